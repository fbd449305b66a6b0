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
        foreach (var row in rows)
        {
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < types.Length; i++)
            {
                await WriteValueAsync(importer, table.Columns[i].ProviderValue(row), types[i], cancellationToken).ConfigureAwait(false);
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

    private static Task WriteValueAsync(NpgsqlBinaryImporter importer, object? value, NpgsqlDbType type, CancellationToken cancellationToken) => value switch
    {
        null => importer.WriteNullAsync(cancellationToken),
        Guid uuid => importer.WriteAsync(uuid, type, cancellationToken),
        long number => importer.WriteAsync(number, type, cancellationToken),
        int number => importer.WriteAsync(number, type, cancellationToken),
        short number => importer.WriteAsync(number, type, cancellationToken),
        bool flag => importer.WriteAsync(flag, type, cancellationToken),
        string text => importer.WriteAsync(text, type, cancellationToken),
        DateTimeOffset time => importer.WriteAsync(time.ToUniversalTime(), type, cancellationToken),
        DateTime time => importer.WriteAsync(DateTime.SpecifyKind(time, DateTimeKind.Utc), type, cancellationToken),
        _ => throw new NotSupportedException($"the Postgres bulk path does not write {value.GetType().Name} values"),
    };
}
