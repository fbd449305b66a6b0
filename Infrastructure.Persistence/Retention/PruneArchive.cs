using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Persistence.Retention;

/// <summary>
/// A prune archive: gzip-compressed JSON lines. The first line is a header (format, version, ledger, when, and each
/// table's cut-off); then one line per row, <c>{"table": ..., "row": {column: canonical value or null, ...}}</c> with the
/// columns in the model's order; the last line is a trailer with each table's row count and checksum. The row lines carry
/// the canonical form itself, so the archive is checked by recomputing each row's hash from what it holds.
/// </summary>
internal sealed class PruneArchive : IAsyncDisposable
{
    private const int Version = 1;

    private readonly FileStream _file;
    private readonly GZipStream _zip;
    private readonly Utf8JsonWriter _json;
    private bool _finished;

    private PruneArchive(FileStream file)
    {
        _file = file;
        _zip = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true);
        _json = new Utf8JsonWriter(_zip, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }); // a file, never HTML: quotes stay readable
    }

    public static PruneArchive Create(string path, LedgerPruneRequest request, IEnumerable<(string Table, DateTimeOffset Before)> tables)
    {
        var archive = new PruneArchive(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));
        archive.Line(json =>
        {
            json.WriteString("format", LedgerPruner.ArchiveFormat);
            json.WriteNumber("version", Version);
            json.WriteString("ledger", request.Ledger);
            json.WriteString("written_at", LedgerCanonicalForm.Time(DateTimeOffset.UtcNow));
            json.WriteStartObject("before");
            foreach (var (table, before) in tables)
            {
                json.WriteString(table, LedgerCanonicalForm.Time(before));
            }

            json.WriteEndObject();
        });
        return archive;
    }

    public void Add(LedgerTable table, object row) => Line(json =>
    {
        json.WriteString("table", table.RawName);
        json.WriteStartObject("row");
        foreach (var (column, value) in LedgerCanonicalForm.Columns(table, row))
        {
            if (value is null)
            {
                json.WriteNull(column);
            }
            else
            {
                json.WriteString(column, value);
            }
        }

        json.WriteEndObject();
    });

    /// <summary>Writes the trailer and makes the archive durable (flushed through to the disk).</summary>
    public void Finish(IEnumerable<TableDigest> digests)
    {
        Line(json =>
        {
            json.WriteStartArray("tables");
            foreach (var digest in digests)
            {
                json.WriteStartObject();
                json.WriteString("table", digest.Table);
                json.WriteNumber("rows", digest.Rows);
                json.WriteString("checksum", digest.Checksum.ToString("x16", CultureInfo.InvariantCulture));
                json.WriteEndObject();
            }

            json.WriteEndArray();
        });
        _json.Dispose();
        _zip.Dispose();
        _file.Flush(flushToDisk: true);
        _finished = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            await _json.DisposeAsync().ConfigureAwait(false);
            await _zip.DisposeAsync().ConfigureAwait(false);
        }

        await _file.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Reads an archive through, checking each table's rows against its trailer; each table's digest, in order.</summary>
    public static async Task<IReadOnlyList<TableDigest>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using var zip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(zip, Encoding.UTF8);
        var counted = new Dictionary<string, (long Rows, ulong Checksum)>(StringComparer.Ordinal);
        var order = new List<string>();
        List<TableDigest>? trailer = null;
        var number = 0;
        try
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                number++;
                if (trailer is not null)
                {
                    throw new InvalidDataException($"{path}: line {number} follows the trailer");
                }

                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (number == 1)
                {
                    if (!root.TryGetProperty("format", out var format) || format.GetString() != LedgerPruner.ArchiveFormat
                        || !root.TryGetProperty("version", out var version) || version.GetInt32() != Version)
                    {
                        throw new InvalidDataException($"{path} is not a prune archive of version {Version}");
                    }

                    foreach (var table in root.GetProperty("before").EnumerateObject())
                    {
                        counted[table.Name] = (0, 0);
                        order.Add(table.Name);
                    }
                }
                else if (root.TryGetProperty("tables", out var tables))
                {
                    trailer = [.. tables.EnumerateArray().Select(t => new TableDigest(
                        t.GetProperty("table").GetString()!, t.GetProperty("rows").GetInt64(), ulong.Parse(t.GetProperty("checksum").GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture)))];
                }
                else
                {
                    var table = root.GetProperty("table").GetString()!;
                    var columns = root.GetProperty("row").EnumerateObject().Select(c => (c.Name, c.Value.ValueKind == JsonValueKind.Null ? null : c.Value.GetString()));
                    var (rows, checksum) = counted.TryGetValue(table, out var sum) ? sum : throw new InvalidDataException($"{path}: line {number} is a row of {table}, which the header does not name");
                    counted[table] = (rows + 1, unchecked(checksum + LedgerCanonicalForm.Hash(LedgerCanonicalForm.Join(columns))));
                }
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: line {number} is not a line of a prune archive ({e.Message})", e);
        }

        if (trailer is null)
        {
            throw new InvalidDataException($"{path} has no trailer: it was cut short");
        }

        var read = order.Select(t => new TableDigest(t, counted[t].Rows, counted[t].Checksum)).ToList();
        var differences = LedgerDigest.Differences(trailer, read);
        if (trailer.Count != read.Count || differences.Count > 0 || !trailer.Select(t => t.Table).SequenceEqual(read.Select(r => r.Table)))
        {
            throw new InvalidDataException($"{path} does not hold what its trailer says: {string.Join("; ", differences.DefaultIfEmpty("its tables differ"))}");
        }

        return read;
    }

    private void Line(Action<Utf8JsonWriter> body)
    {
        _json.Reset(_zip);
        _json.WriteStartObject();
        body(_json);
        _json.WriteEndObject();
        _json.Flush();
        _zip.WriteByte((byte)'\n');
    }
}
