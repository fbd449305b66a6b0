using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Partitions;

namespace TradingBot.Infrastructure.Postgres;

/// <summary>
/// Where the Postgres ledger connects. Behind a transaction-mode pooler (PgBouncer, Supabase's pooler) a server
/// connection serves one transaction of one client at a time, so what must outlive a transaction cannot go through it:
/// the lease's session advisory lock and the migrations go over <see cref="Direct"/>, and no statement is kept
/// prepared across transactions.
/// </summary>
/// <param name="Data">Units of work, reads and writes: the pooler's address when there is one.</param>
public sealed record PostgresLedgerConnections(string Data)
{
    /// <summary>A connection to the server itself, not through the pooler; null: <see cref="Data"/>.</summary>
    public string? Direct { get; init; }

    /// <summary>True when <see cref="Data"/> goes through a transaction-mode pooler; then <see cref="Direct"/> is required.</summary>
    public bool ThroughPooler { get; init; }

    /// <summary>
    /// How the ledger's time series are stored (<c>Ledger:Partitioning</c>): <see cref="LedgerPartitioning.Monthly"/>
    /// partitions a new ledger's funding_snapshots and audit_log by month (<see cref="LedgerMigrator.PreparePartitionsAsync"/>).
    /// </summary>
    public LedgerPartitioning Partitioning { get; init; }

    /// <summary>The connection for the lease and the migrations.</summary>
    public string Session => Direct ?? Data;

    /// <summary>Throws <see cref="ArgumentException"/> naming the problem: a pooler without a direct connection, or a setting a pooler cannot carry.</summary>
    public PostgresLedgerConnections Checked()
    {
        if (ThroughPooler && string.IsNullOrWhiteSpace(Direct))
        {
            throw new ArgumentException("a ledger behind a transaction-mode pooler needs a direct connection too: the lease is a session advisory lock, which the pooler would hand to another client's transaction");
        }

        PostgresLedger.PrepareConnectionString(Data, ThroughPooler);
        if (Direct is not null)
        {
            PostgresLedger.PrepareConnectionString(Direct);
        }

        return this;
    }
}
