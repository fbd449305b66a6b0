namespace TradingBot.Infrastructure.Persistence.Partitions;

/// <summary>
/// How the ledger's two append-only time series, <c>funding_snapshots</c> (by <c>snapshot_at</c>) and <c>audit_log</c>
/// (by <c>created_at</c>), are stored. Chosen before a ledger's first migration: the tables are converted only while
/// both are empty, and a ledger is never converted back.
/// </summary>
public enum LedgerPartitioning
{
    /// <summary>Plain tables, the ADR's schema exactly (the default; the only choice on SQLite).</summary>
    None,

    /// <summary>
    /// Postgres only: each table partitioned by range of its time, one partition per UTC month, created ahead by the
    /// worker, and a default partition for rows of a month that has none yet (moved into their month once it is made).
    /// </summary>
    Monthly,
}

/// <summary>What <see cref="LedgerMigrator.PreparePartitionsAsync"/> found and did.</summary>
/// <param name="Partitioned">True when the ledger's time series are partitioned by month.</param>
/// <param name="Converted">True when this call partitioned them (a new, empty ledger).</param>
/// <param name="Created">The partitions created, by name.</param>
/// <param name="RowsMoved">Rows moved out of a default partition into the month created for them.</param>
public sealed record LedgerPartitionsReport(bool Partitioned, bool Converted, IReadOnlyList<string> Created, long RowsMoved);

/// <summary>The ledger's partitioning is not what the settings say, and cannot be made so: nothing was changed.</summary>
public sealed class LedgerPartitioningException : InvalidOperationException
{
    /// <summary>The mismatch, as <paramref name="message"/> says.</summary>
    public LedgerPartitioningException(string message)
        : base(message)
    {
    }

    /// <summary>The mismatch, as <paramref name="message"/> says, found through <paramref name="innerException"/>.</summary>
    public LedgerPartitioningException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A mismatch.</summary>
    public LedgerPartitioningException()
        : base("the ledger's partitioning is not what the settings say")
    {
    }
}

/// <summary>
/// One partition of a table, by the name SQL can use: a range [<see cref="From"/>, <see cref="Until"/>) (null: unbounded,
/// MINVALUE or MAXVALUE), or the default partition.
/// </summary>
internal sealed record TablePartition(string Name, DateTimeOffset? From, DateTimeOffset? Until)
{
    public bool IsDefault { get; init; }
}

/// <summary>A provider's partitions of the ledger's time series (Postgres); the shared project holds no provider's SQL.</summary>
internal interface ILedgerPartitions
{
    /// <summary>The tables that can be partitioned, with the time column each is partitioned by.</summary>
    IReadOnlyList<(string Table, string TimeColumn)> Tables { get; }

    /// <summary>Per table of <see cref="Tables"/>: true when it is partitioned.</summary>
    Task<IReadOnlyDictionary<string, bool>> StateAsync(LedgerDbContext db, CancellationToken cancellationToken);

    /// <summary>
    /// Converts every table of <see cref="Tables"/> into a table partitioned by month, in one transaction, if all are
    /// empty; otherwise converts none and returns the tables that hold rows.
    /// </summary>
    Task<IReadOnlyList<string>> ConvertAsync(LedgerDbContext db, CancellationToken cancellationToken);

    /// <summary>Creates the months from <paramref name="now"/>'s through <paramref name="monthsAhead"/> later, and the month of every row in a default partition (moving those rows into it).</summary>
    Task<(IReadOnlyList<string> Created, long RowsMoved)> MaintainAsync(LedgerDbContext db, DateTimeOffset now, int monthsAhead, CancellationToken cancellationToken);

    /// <summary>The partitions of <paramref name="table"/>, months oldest first then the default one; empty when it is not partitioned.</summary>
    Task<IReadOnlyList<TablePartition>> PartitionsAsync(LedgerDbContext db, string table, CancellationToken cancellationToken);

    /// <summary>The SQL that reads every row of <paramref name="partition"/> (for the entity mapped to its parent).</summary>
    string SelectAll(TablePartition partition);

    /// <summary>
    /// Locks <paramref name="partitions"/> against writes (SHARE) as the caller's transaction's first statement, so that its
    /// snapshot holds every row they will ever hold; a lock not granted within a few seconds fails the transaction.
    /// </summary>
    Task LockAsync(LedgerDbContext db, IReadOnlyList<TablePartition> partitions, CancellationToken cancellationToken);

    /// <summary>Detaches <paramref name="partition"/> from <paramref name="table"/> and drops it, in the caller's transaction.</summary>
    Task DropAsync(LedgerDbContext db, string table, TablePartition partition, CancellationToken cancellationToken);
}
