using System.Data;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Configurations;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Sqlite;

/// <summary>
/// The ledger's write protocol on SQLite: a batch is one command of one statement per write, with named parameters,
/// run in a transaction that takes the write lock at its start (BEGIN IMMEDIATE); every statement must write its row,
/// counted before COMMIT. Microsoft.Data.Sqlite keeps a command's statements compiled while its text stays the same.
/// </summary>
internal sealed class SqliteLedgerProvider : LedgerProvider
{
    public static readonly SqliteLedgerProvider Instance = new();

    private SqliteLedgerProvider()
    {
    }

    /// <summary>
    /// A deferred BEGIN: in WAL mode its first read fixes the snapshot without taking the write lock. Microsoft.Data.Sqlite
    /// begins one for ReadUncommitted, whose dirty reads exist only on a shared cache, which the ledger refuses.
    /// </summary>
    public override IsolationLevel SnapshotIsolation => IsolationLevel.ReadUncommitted;

    public override bool BatchNeedsTransaction => true;

    public override LedgerDialect Dialect => SqliteLedgerDialect.Instance;

    public override CompiledBatch Compile(IReadOnlyList<StagedWrite> writes, ISqlGenerationHelper sql)
    {
        var text = new StringBuilder();
        var slots = new List<(LedgerColumn Column, string Name)>();
        string Bind(LedgerColumn column)
        {
            var name = sql.GenerateParameterNamePlaceholder(string.Create(CultureInfo.InvariantCulture, $"p{slots.Count}"));
            slots.Add((column, name));
            return name;
        }

        foreach (var write in writes)
        {
            write.AppendSql(text, Bind);
            text.Append(";\n");
        }

        return new CompiledBatch(text.ToString(), [.. slots.Select(s => s.Column)], [.. slots.Select(s => s.Name)]);
    }

    public override void CheckRowsWritten(int statements, int written)
    {
        if (written != statements)
        {
            throw new DbUpdateConcurrencyException(
                $"ledger: {statements - written} row(s) this unit of work updates changed since it read them; nothing was written");
        }
    }

    /// <inheritdoc />
    public override bool ChecksWholeDatabase => true;

    public override async Task<IReadOnlyList<string>> CheckStorageAsync(LedgerDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var results = await db.Database.SqlQueryRaw<string>("SELECT integrity_check AS \"Value\" FROM pragma_integrity_check")
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return results is ["ok"] ? [] : [.. results.Select(r => $"SQLite integrity_check: {r}")];
    }
}
