using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Persistence.Copy;

/// <summary>
/// The one form in which two ledgers' rows are compared, whatever their provider: a uuid in lower case, a time in UTC to
/// the microsecond (<c>2026-12-04T15:29:11.123456Z</c>), an integer in invariant digits, a JSON document re-written with
/// its object keys in ordinal order, no insignificant white space, strings unescaped and numbers as values (so
/// <c>{"b":1.0, "a":"\u00e9"}</c> and <c>{"a":"é","b":1}</c> are one value), text as it is, and SQL NULL as its own token. A row is its columns' names and values in the model's
/// order, joined by separators that cannot occur in them ambiguously.
/// </summary>
public static class LedgerCanonicalForm
{
    /// <summary>The columns that hold JSON documents, by table and column name.</summary>
    public static IReadOnlySet<(string Table, string Column)> JsonColumns { get; } =
        new HashSet<(string, string)> { ("state_snapshots", "snapshot"), ("audit_log", "event_data") };

    /// <summary>SQL NULL's token.</summary>
    internal const string Null = "\u2205";

    /// <summary>Between two columns of a row.</summary>
    internal const char ColumnSeparator = '\u001E';

    /// <summary>Between a column's name and its value.</summary>
    internal const char NameSeparator = '\u001F';

    /// <summary>The canonical text of one value (the CLR value EF materialised, before any provider conversion).</summary>
    public static string Value(object? value, bool json = false) => value switch
    {
        null => Null,
        Guid uuid => uuid.ToString("D", CultureInfo.InvariantCulture),
        DateTimeOffset time => Time(time),
        DateTime time => Time(new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc))),
        long number => number.ToString(CultureInfo.InvariantCulture),
        int number => number.ToString(CultureInfo.InvariantCulture),
        short number => number.ToString(CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        string text when json => Json(text),
        string text => text,
        _ => throw new NotSupportedException($"the ledger's canonical form has no rule for {value.GetType().Name}"),
    };

    /// <summary>A time in UTC, truncated to the microsecond as the ledger stores it.</summary>
    public static string Time(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        var micros = new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
        return micros.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>A JSON document with object keys in ordinal order and no insignificant white space; numbers keep their text.</summary>
    public static string Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(document.RootElement, writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The canonical text of <paramref name="row"/> of <paramref name="table"/>.</summary>
    internal static string Row(LedgerTable table, object row) => Join(Columns(table, row));

    /// <summary>The columns of <paramref name="row"/> in the model's order, each with its canonical value (null for SQL NULL).</summary>
    internal static IEnumerable<(string Column, string? Value)> Columns(LedgerTable table, object row) =>
        table.Columns.Select(c => c.Read(row) is { } value ? (c.RawName, Value(value, JsonColumns.Contains((table.RawName, c.RawName)))) : (c.RawName, (string?)null));

    /// <summary>A row's canonical text from its columns' names and canonical values (null for SQL NULL).</summary>
    internal static string Join(IEnumerable<(string Column, string? Value)> columns)
    {
        var text = new StringBuilder();
        foreach (var (column, value) in columns)
        {
            if (text.Length > 0)
            {
                text.Append(ColumnSeparator);
            }

            text.Append(column).Append(NameSeparator).Append(value ?? Null);
        }

        return text.ToString();
    }

    /// <summary>A row's contribution to its table's checksum: the first 8 bytes of SHA-256 over its canonical text.</summary>
    public static ulong Hash(string canonicalRow)
    {
        ArgumentNullException.ThrowIfNull(canonicalRow);
        var most = Encoding.UTF8.GetMaxByteCount(canonicalRow.Length);
        byte[]? rented = null;
        var bytes = most <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(most));
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes[..Encoding.UTF8.GetBytes(canonicalRow, bytes)], hash);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return BitConverter.ToUInt64(hash[..8]);
    }

    // A number as a value, read from its text alone so nothing limits its digits or exponent: 1, 1.0, 10e-1 and 1E0 are one
    // number (Postgres's jsonb keeps 1.0 but writes 1e2 as 100). Written as decimal's G29 wrote it, which earlier checksums
    // (prune archives, pg_dump checksum files) hold: plain digits while the exponent is -4 to 28, else 1.5E-07 or 1E+400.
    private static string Number(string text)
    {
        var negative = text.StartsWith('-');
        var exponentAt = text.IndexOfAny(['e', 'E']);
        var mantissa = text[(negative ? 1 : 0)..(exponentAt < 0 ? text.Length : exponentAt)];
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var fraction = point < 0 ? 0 : mantissa.Length - point - 1;
        var allDigits = point < 0 ? mantissa : string.Concat(mantissa.AsSpan(0, point), mantissa.AsSpan(point + 1));
        var digits = allDigits.TrimStart('0');
        if (digits.Length == 0)
        {
            return "0"; // -0, 0.0 and 0e9 are zero
        }

        var significant = digits.TrimEnd('0');
        // The value is significant × 10^scale; its exponent in scientific notation is scale + significant digits - 1.
        var scale = (exponentAt < 0 ? BigInteger.Zero : BigInteger.Parse(text.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture))
            - fraction + (digits.Length - significant.Length);
        var exponent = scale + significant.Length - 1;
        var sign = negative ? "-" : string.Empty;
        if (exponent < -4 || exponent > 28)
        {
            var magnitude = BigInteger.Abs(exponent).ToString("D2", CultureInfo.InvariantCulture);
            var rest = significant.Length > 1 ? "." + significant[1..] : string.Empty;
            return $"{sign}{significant[0]}{rest}E{(exponent.Sign < 0 ? '-' : '+')}{magnitude}";
        }

        var shift = (int)scale; // -4 <= exponent <= 28 bounds it by the number's own length
        return shift >= 0
            ? sign + significant + new string('0', shift)
            : -shift < significant.Length
                ? $"{sign}{significant[..(significant.Length + shift)]}.{significant[(significant.Length + shift)..]}"
                : $"{sign}0.{new string('0', -shift - significant.Length)}{significant}";
    }

    private static void Write(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(property.Value, writer);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(item, writer);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(Number(element.GetRawText()));
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
