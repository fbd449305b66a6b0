using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Copy;

namespace TradingBot.Infrastructure.Postgres;

/// <summary>
/// Postgres's bulk path for copy-ledger: Npgsql's binary COPY into the table, in the caller's transaction, every column
/// named and written with its exact type (so a NULL stays NULL instead of taking a column default, a time keeps its
/// microseconds and a JSON document goes in as jsonb).
/// </summary>
public sealed class PostgresLedgerBulkWriter : ILedgerBulkWriter
{
    /// <inheritdoc />
    public async Task WriteAsync(LedgerDbContext target, LedgerBulkTable table, IReadOnlyList<object> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(rows);
        var transaction = target.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("the bulk path writes in the caller's transaction; begin one first");
        var connection = (NpgsqlConnection)transaction.Connection!;
        var types = table.Columns.Select(c => TypeOf(table, c)).ToArray();
        var copy = $"COPY {table.DelimitedName} ({string.Join(", ", table.Columns.Select(c => c.DelimitedName))}) FROM STDIN (FORMAT BINARY)";
        await using var importer = await connection.BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false);
        // Rows and values are written synchronously: they go into Npgsql's buffer, which is sent when full; an awaited call
        // per value cost more than the occasional blocking send of a buffer.
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            importer.StartRow();
            for (var i = 0; i < types.Length; i++)
            {
                WriteValue(importer, table.Columns[i].ProviderValue(row), types[i]);
            }
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlDbType TypeOf(LedgerBulkTable table, LedgerBulkColumn column) => column.StoreType.ToLowerInvariant() switch
    {
        "uuid" => NpgsqlDbType.Uuid,
        "bigint" => NpgsqlDbType.Bigint,
        "integer" => NpgsqlDbType.Integer,
        "smallint" => NpgsqlDbType.Smallint,
        "boolean" => NpgsqlDbType.Boolean,
        "text" => NpgsqlDbType.Text,
        "jsonb" => NpgsqlDbType.Jsonb,
        "timestamp with time zone" => NpgsqlDbType.TimestampTz,
        var type when type.StartsWith("character varying", StringComparison.Ordinal) => NpgsqlDbType.Varchar,
        var type => throw new NotSupportedException($"{table.Name}.{column.Name} is of type {type}, which the Postgres bulk path does not write"),
    };

    private static void WriteValue(NpgsqlBinaryImporter importer, object? value, NpgsqlDbType type)
    {
        switch (value)
        {
            case null:
                importer.WriteNull();
                break;
            case Guid uuid:
                importer.Write(uuid, type);
                break;
            case long number:
                importer.Write(number, type);
                break;
            case int number:
                importer.Write(number, type);
                break;
            case short number:
                importer.Write(number, type);
                break;
            case bool flag:
                importer.Write(flag, type);
                break;
            case string text:
                importer.Write(text, type);
                break;
            case DateTimeOffset time:
                importer.Write(time.ToUniversalTime(), type);
                break;
            case DateTime time:
                importer.Write(DateTime.SpecifyKind(time, DateTimeKind.Utc), type);
                break;
            default:
                throw new NotSupportedException($"the Postgres bulk path does not write {value.GetType().Name} values");
        }
    }
}
