using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>
/// One unit of work's view of the ledger. Writes are staged in the context and sent as one batch when
/// the unit of work commits; a read first sends what is staged, so the session always reads its own writes.
/// </summary>
internal sealed class LedgerSession : ILedgerSession
{
    public LedgerSession(LedgerDbContext db)
    {
        Db = db;
        Orders = new OrderRepository(this);
        Fills = new FillRepository(this);
        Positions = new PositionRepository(this);
        FundingSnapshots = new FundingSnapshotRepository(this);
        FundingPayments = new FundingPaymentRepository(this);
        StateSnapshots = new StateSnapshotRepository(this);
        Audit = new AuditLog(this);
    }

    public LedgerDbContext Db { get; }

    public IOrderRepository Orders { get; }

    public IFillRepository Fills { get; }

    public IPositionRepository Positions { get; }

    public IFundingSnapshotRepository FundingSnapshots { get; }

    public IFundingPaymentRepository FundingPayments { get; }

    public IStateSnapshotRepository StateSnapshots { get; }

    public IAuditLog Audit { get; }

    /// <summary>Sends staged writes, if any, before a read.</summary>
    public async Task<LedgerDbContext> ForReadAsync(CancellationToken cancellationToken)
    {
        if (Db.ChangeTracker.HasChanges())
        {
            await Db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        return Db;
    }

    /// <summary>Stages a new row.</summary>
    public void Stage<T>(T row)
        where T : class => Db.Add(row);
}
