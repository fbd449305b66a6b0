using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Persistence.Copy;

/// <summary>
/// A table's rows hashed as <see cref="LedgerCanonicalForm.Hash"/> hashes their canonical text, but with the UTF-8 bytes
/// of that text written straight into one reused buffer: a copy and its verification hash every row of a ledger, and
/// building each row's text as strings first cost more than the database read it follows. Same bytes, same checksums.
/// </summary>
internal sealed class CanonicalRowHasher
{
    private static readonly byte[] NullToken = Encoding.UTF8.GetBytes(LedgerCanonicalForm.Null);
    private static readonly byte[] True = Encoding.UTF8.GetBytes(LedgerCanonicalForm.Value(true));
    private static readonly byte[] False = Encoding.UTF8.GetBytes(LedgerCanonicalForm.Value(false));

    private readonly LedgerColumn[] _columns;
    private readonly byte[][] _prefixes; // each column's name between LedgerCanonicalForm's separators (none before the first column)
    private readonly bool[] _json;
    private byte[] _buffer = new byte[1024];

    public CanonicalRowHasher(LedgerTable table)
    {
        _columns = [.. table.Columns];
        _prefixes = [.. _columns.Select((c, i) => Encoding.UTF8.GetBytes($"{(i == 0 ? string.Empty : LedgerCanonicalForm.ColumnSeparator)}{c.RawName}{LedgerCanonicalForm.NameSeparator}"))];
        _json = [.. _columns.Select(c => LedgerCanonicalForm.JsonColumns.Contains((table.RawName, c.RawName)))];
    }

    /// <summary>The first 8 bytes of SHA-256 over <paramref name="row"/>'s canonical text, read little-endian.</summary>
    public ulong Hash(object row)
    {
        var length = 0;
        for (var i = 0; i < _columns.Length; i++)
        {
            Append(ref length, _prefixes[i]);
            Append(ref length, _columns[i].Read(row), _json[i]);
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(_buffer.AsSpan(0, length), hash);
        return BitConverter.ToUInt64(hash[..8]);
    }

    private void Append(ref int length, ReadOnlySpan<byte> bytes)
    {
        Room(length, bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(length));
        length += bytes.Length;
    }

    private void Append(ref int length, object? value, bool json)
    {
        int written;
        switch (value)
        {
            case null:
                Append(ref length, NullToken);
                return;
            case Guid uuid:
                Room(length, 36);
                uuid.TryFormat(_buffer.AsSpan(length), out written, "D");
                break;
            case DateTimeOffset time:
                Room(length, 27);
                written = Time(time, _buffer.AsSpan(length));
                break;
            case long number:
                AppendInteger(ref length, number);
                return;
            case int number:
                AppendInteger(ref length, number);
                return;
            case short number:
                AppendInteger(ref length, number);
                return;
            case bool flag:
                Append(ref length, flag ? True : False);
                return;
            case string text:
                var canonical = json ? LedgerCanonicalForm.Json(text) : text;
                Room(length, Encoding.UTF8.GetMaxByteCount(canonical.Length));
                written = Encoding.UTF8.GetBytes(canonical, _buffer.AsSpan(length));
                break;
            default:
                // Whatever has no fast rule here (DateTime) goes through the canonical text itself.
                Append(ref length, Encoding.UTF8.GetBytes(LedgerCanonicalForm.Value(value, json)));
                return;
        }

        length += written;
    }

    private void AppendInteger(ref int length, long number)
    {
        Room(length, 20);
        Utf8Formatter.TryFormat(number, _buffer.AsSpan(length), out var written);
        length += written;
    }

    // yyyy-MM-ddTHH:mm:ss.ffffffZ in UTC, a part of a microsecond cut (as LedgerCanonicalForm.Time writes it).
    private static int Time(DateTimeOffset time, Span<byte> into)
    {
        var utc = time.UtcDateTime;
        var micros = utc.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond;
        Digits(into, 0, utc.Year, 4);
        into[4] = (byte)'-';
        Digits(into, 5, utc.Month, 2);
        into[7] = (byte)'-';
        Digits(into, 8, utc.Day, 2);
        into[10] = (byte)'T';
        Digits(into, 11, utc.Hour, 2);
        into[13] = (byte)':';
        Digits(into, 14, utc.Minute, 2);
        into[16] = (byte)':';
        Digits(into, 17, utc.Second, 2);
        into[19] = (byte)'.';
        Digits(into, 20, micros, 6);
        into[26] = (byte)'Z';
        return 27;
    }

    private static void Digits(Span<byte> into, int at, long value, int width)
    {
        for (var i = at + width - 1; i >= at; i--)
        {
            into[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private void Room(int length, int more)
    {
        if (length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, length + more));
        }
    }
}
