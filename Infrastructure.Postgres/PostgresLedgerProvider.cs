using System.Data;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Configurations;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Postgres;

/// <summary>
/// The ledger's write protocol on Postgres: a batch is one statement, each write a data-modifying CTE with positional
/// parameters (Npgsql sends it without parsing or rewriting it), atomic on its own. Its final SELECT passes each
/// update's row count through <see cref="ExpectOneRowFunction"/>, so a row changed since it was read aborts the batch.
/// </summary>
internal sealed class PostgresLedgerProvider : LedgerProvider
{
    /// <summary>
    /// The function (created by the migration LedgerExpectOneRow) that raises SQLSTATE 40001 (serialization_failure)
    /// unless exactly one row was updated: the unit of work then runs again as after any transient failure.
    /// </summary>
    public const string ExpectOneRowFunction = "ledger_expect_one_row";

    public static readonly PostgresLedgerProvider Instance = new();

    private PostgresLedgerProvider()
    {
    }

    /// <summary>REPEATABLE READ: its snapshot is taken at the first statement.</summary>
    public override IsolationLevel SnapshotIsolation => IsolationLevel.RepeatableRead;

    public override bool BatchNeedsTransaction => false;

    public override LedgerDialect Dialect => PostgresLedgerDialect.Instance;

    /// <inheritdoc />
    public override Persistence.Partitions.ILedgerPartitions Partitions => PostgresPartitions.Instance;

    public override CompiledBatch Compile(IReadOnlyList<StagedWrite> writes, ISqlGenerationHelper sql)
    {
        var text = new StringBuilder();
        var slots = new List<LedgerColumn>();
        string Bind(LedgerColumn column)
        {
            slots.Add(column);
            return string.Create(CultureInfo.InvariantCulture, $"${slots.Count}");
        }

        var checks = new List<string>();
        for (var i = 0; i < writes.Count; i++)
        {
            text.Append(i == 0 ? "WITH " : ",\n").Append(CultureInfo.InvariantCulture, $"\"w{i}\" AS (");
            writes[i].AppendSql(text, Bind);
            if (!writes[i].IsInsert)
            {
                text.Append(" RETURNING 1");
                checks.Add(string.Create(CultureInfo.InvariantCulture, $"{ExpectOneRowFunction}((SELECT count(*) FROM \"w{i}\"), '{writes[i].Table.RawName}')"));
            }

            text.Append(')');
        }

        // The CTEs run whether or not the SELECT reads them; with no update there is nothing to check.
        text.Append("\nSELECT ").AppendJoin(", ", checks.Count == 0 ? ["1"] : checks);
        return new CompiledBatch(text.ToString(), [.. slots], [.. slots.Select(_ => string.Empty)]);
    }

    /// <summary>
    /// On a ledger partitioned by month, a table's primary key includes its time, so the database no longer keeps an id
    /// from appearing twice (at two times): that is checked here. Plain tables need nothing: their key is the id.
    /// </summary>
    public override async Task<IReadOnlyList<string>> CheckStorageAsync(LedgerDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var problems = new List<string>();
        foreach (var (table, partitioned) in await PostgresPartitions.Instance.StateAsync(db, cancellationToken).ConfigureAwait(false))
        {
            if (partitioned)
            {
                // The table's name is one of the ledger's own two, not input.
                var sql = "SELECT id::text || ' is stored ' || COUNT(*) || ' times' AS \"Value\" FROM \"" + table + "\" GROUP BY id HAVING COUNT(*) > 1 ORDER BY id LIMIT 20";
                var repeated = await db.Database.SqlQueryRaw<string>(sql).ToListAsync(cancellationToken).ConfigureAwait(false);
                problems.AddRange(repeated.Select(r => $"{table}: id {r} (partitioned by month, its key is the id with the time)"));
            }
        }

        return problems;
    }

    /// <summary>
    /// No JIT for the rest of the snapshot: compiling verify's two whole-table plans took about 0.9 s each at 10M fills
    /// (inlining and optimisation), more than it saved; at 1M the queries ran 10–15% faster without it.
    /// </summary>
    public override async Task BeforeWholeTableReadAsync(LedgerDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.CurrentTransaction is not null)
        {
            await db.Database.ExecuteSqlRawAsync("SET LOCAL jit = off", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The updates checked themselves in the database; the count means nothing.</summary>
    public override void CheckRowsWritten(int statements, int written)
    {
    }
}
