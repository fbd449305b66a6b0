using System.Buffers;
using System.Globalization;
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

    private const string Null = "\u2205";

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
                text.Append('\u001E');
            }

            text.Append(column).Append('\u001F').Append(value ?? Null);
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

    // A number as a value: 1, 1.0, 1.00 and 1e0 are one number (Postgres's jsonb keeps 1.0 but writes 1e2 as 100); a
    // number beyond decimal's range keeps its text.
    private static string Number(string text)
    {
        var mantissa = text.Split('e', 'E')[0];
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && (value != 0 || !mantissa.Any(c => c is >= '1' and <= '9'))
            ? value.ToString("G29", CultureInfo.InvariantCulture)
            : text;
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
