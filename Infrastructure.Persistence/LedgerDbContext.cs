using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence.Configurations;
using TradingBot.Infrastructure.Persistence.Rows;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Persistence;

/// <summary>
/// The ledger's one EF Core model (ADR-0005): orders, fills, positions, funding snapshots and payments,
/// state snapshots, the audit log and halted symbols. What differs by provider is its <see cref="LedgerDialect"/> and its
/// migrations, both in the provider's project.
/// </summary>
public sealed class LedgerDbContext(DbContextOptions<LedgerDbContext> options) : DbContext(options)
{
    private Action? _afterDispose;

    /// <summary>orders.</summary>
    public DbSet<OrderRow> Orders => Set<OrderRow>();

    /// <summary>fills.</summary>
    public DbSet<FillRow> Fills => Set<FillRow>();

    /// <summary>positions.</summary>
    public DbSet<PositionRow> Positions => Set<PositionRow>();

    /// <summary>funding_snapshots.</summary>
    public DbSet<FundingSnapshotRow> FundingSnapshots => Set<FundingSnapshotRow>();

    /// <summary>funding_payments.</summary>
    public DbSet<FundingPaymentRow> FundingPayments => Set<FundingPaymentRow>();

    /// <summary>state_snapshots.</summary>
    public DbSet<StateSnapshotRow> StateSnapshots => Set<StateSnapshotRow>();

    /// <summary>audit_log.</summary>
    public DbSet<AuditLogRow> AuditLog => Set<AuditLogRow>();

    /// <summary>symbol_halts.</summary>
    public DbSet<SymbolHaltRow> SymbolHalts => Set<SymbolHaltRow>();

    /// <summary>pnl_days.</summary>
    public DbSet<PnlDayRow> PnlDays => Set<PnlDayRow>();

    /// <summary>ledger_transfers.</summary>
    public DbSet<LedgerTransferRow> Transfers => Set<LedgerTransferRow>();

    /// <summary>
    /// Runs <paramref name="action"/> once, right after this context is next disposed (for a pooled context: once
    /// it is back in its pool). A provider uses it to take back what it lent the context for one use, e.g. the
    /// SQLite ledger's kept connections.
    /// </summary>
    public void AfterDispose(Action action) => _afterDispose = action;

    /// <inheritdoc />
    public override void Dispose()
    {
        var after = Interlocked.Exchange(ref _afterDispose, null);
        base.Dispose();
        after?.Invoke();
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        // Taken before the context goes back to its pool, where the next user may set its own.
        var after = Interlocked.Exchange(ref _afterDispose, null);
        await base.DisposeAsync().ConfigureAwait(false);
        after?.Invoke();
    }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        var dialect = LedgerProvider.Of(this).Dialect;
        modelBuilder.ApplyConfiguration(new OrderConfiguration(dialect));
        modelBuilder.ApplyConfiguration(new FillConfiguration(dialect));
        modelBuilder.ApplyConfiguration(new PositionConfiguration(dialect));
        modelBuilder.ApplyConfiguration(new FundingSnapshotConfiguration(dialect));
        modelBuilder.ApplyConfiguration(new FundingPaymentConfiguration(dialect));
        modelBuilder.ApplyConfiguration(new StateSnapshotConfiguration(dialect));
        modelBuilder.ApplyConfiguration(new AuditLogConfiguration(dialect));
        modelBuilder.ApplyConfiguration(new SymbolHaltConfiguration(dialect));
        modelBuilder.ApplyConfiguration(new PnlDayConfiguration(dialect));
        modelBuilder.ApplyConfiguration(new LedgerTransferConfiguration(dialect));
        dialect.ApplyStorageConventions(modelBuilder);
    }
}
