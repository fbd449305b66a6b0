using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using TradingBot.Infrastructure.Persistence.Configurations;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>
/// What differs between the ledger's databases at run time, implemented in each provider project: the SQL a batch of
/// staged writes is sent as, how its updates prove they found the rows they expected, the snapshot reads' isolation
/// and the database's own integrity check. The shared project holds no provider's SQL.
/// </summary>
internal abstract class LedgerProvider
{
    /// <summary>How the one ledger model is built on this provider.</summary>
    public abstract LedgerDialect Dialect { get; }

    /// <summary>The isolation level whose transaction reads one snapshot without holding up writers.</summary>
    public abstract IsolationLevel SnapshotIsolation { get; }

    /// <summary>True when a unit's only batch must still run in an explicit transaction (false: the batch is one statement, atomic on its own).</summary>
    public abstract bool BatchNeedsTransaction { get; }

    /// <summary>The SQL and parameter slots of a batch of <paramref name="writes"/>; called once per batch shape.</summary>
    public abstract CompiledBatch Compile(IReadOnlyList<StagedWrite> writes, ISqlGenerationHelper sql);

    /// <summary>Throws when the batch's <paramref name="statements"/> did not write a row each (a row changed since it was read).</summary>
    public abstract void CheckRowsWritten(int statements, int written);

    /// <summary>Problems the database's own integrity check reports (none for a database that has no such check).</summary>
    public virtual Task<IReadOnlyList<string>> CheckStorageAsync(LedgerDbContext db, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>True when <see cref="CheckStorageAsync"/> reads the whole database (SQLite's integrity_check), so a check of a ledger being written must wait for the last write.</summary>
    public virtual bool ChecksWholeDatabase => false;

    /// <summary>
    /// Prepares the snapshot transaction of <paramref name="db"/> for a read of every row of the ledger's largest tables
    /// (verify's streams); nothing by default.
    /// </summary>
    public virtual Task BeforeWholeTableReadAsync(LedgerDbContext db, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The provider's partitions of the ledger's time series; null for a provider that has none (SQLite).</summary>
    public virtual Partitions.ILedgerPartitions? Partitions => null;

    /// <summary>Adds <paramref name="provider"/> to a ledger context's options (each provider project's <c>Configure</c> does).</summary>
    public static DbContextOptionsBuilder Use(DbContextOptionsBuilder options, LedgerProvider provider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ((IDbContextOptionsBuilderInfrastructure)options).AddOrUpdateExtension(new LedgerProviderExtension(provider));
        return options;
    }

    /// <summary>The provider <paramref name="db"/> was configured with.</summary>
    public static LedgerProvider Of(DbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.GetService<IDbContextOptions>().FindExtension<LedgerProviderExtension>()?.Provider
            ?? throw new InvalidOperationException(
                "this ledger context was configured without a ledger provider; configure it with SqliteLedger.Configure or PostgresLedger.Configure (AddSqliteLedger / AddPostgresLedger)");
    }
}
