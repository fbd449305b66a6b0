using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Copy;

namespace TradingBot.Infrastructure.Sqlite;

/// <summary>
/// SQLite's bulk path for copy-ledger: one prepared INSERT per table, executed once per row in the caller's (large)
/// transaction, each value bound through the ledger model's type mapping, so it is stored exactly as the ledger's own
/// writes store it (a uuid as upper-case text, a time as the model's text form).
/// </summary>
public sealed class SqliteLedgerBulkWriter : ILedgerBulkWriter
{
    /// <inheritdoc />
    public async Task WriteAsync(LedgerDbContext target, LedgerBulkTable table, IReadOnlyList<object> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(rows);
        var transaction = target.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("the bulk path writes in the caller's transaction; begin one first");
        var names = table.Columns.Select((_, i) => $"@p{i}").ToArray();
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO {table.DelimitedName} ({string.Join(", ", table.Columns.Select(c => c.DelimitedName))}) VALUES ({string.Join(", ", names)})";
        foreach (var row in rows)
        {
            command.Parameters.Clear();
            for (var i = 0; i < names.Length; i++)
            {
                command.Parameters.Add(table.Columns[i].CreateParameter(command, names[i], row));
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
