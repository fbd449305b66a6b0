using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>Fills. The UNIQUE index on exchange_fill_id is what stops a second copy.</summary>
internal sealed class FillRepository(LedgerSession session) : IFillRepository
{
    // Ids this session already found absent: TryAdd after Exists need not ask again (the UNIQUE index still decides).
    private readonly HashSet<string> _knownAbsent = new(StringComparer.Ordinal);

    private static readonly CompiledQuery<Func<LedgerDbContext, string, CancellationToken, Task<bool>>> FillExists =
        new(() => EF.CompileAsyncQuery((LedgerDbContext db, string id, CancellationToken ct) => db.Fills.Any(f => f.ExchangeFillId == id)));

    public async Task<bool> ExistsAsync(ExchangeFillId exchangeFillId, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var exists = await FillExists.For(db)(db, exchangeFillId.Value, cancellationToken).ConfigureAwait(false);
        if (!exists)
        {
            _knownAbsent.Add(exchangeFillId.Value);
        }

        return exists;
    }

    public async Task<bool> TryAddAsync(Fill fill, long sequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fill);
        if (!_knownAbsent.Remove(fill.ExchangeFillId.Value) && await ExistsAsync(fill.ExchangeFillId, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        _knownAbsent.Remove(fill.ExchangeFillId.Value);
        session.Stage(RowMapping.ToRow(fill, sequence));
        return true;
    }

    public async Task<IReadOnlyList<Fill>> GetByOrderAsync(OrderId orderId, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.Fills.AsNoTracking().Where(f => f.OrderId == orderId.Value)
            .OrderBy(f => f.PositionSequence).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(RowMapping.ToDomain)];
    }

    public async Task<IReadOnlyList<RecordedFill>> GetByPositionAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.Fills.AsNoTracking()
            .Join(db.Orders.AsNoTracking(), f => f.OrderId, o => o.Id, (f, o) => new { Fill = f, o.Exchange, o.Symbol, o.Side })
            .Where(x => x.Exchange == exchange.Value && x.Symbol == symbol.Value)
            .OrderBy(x => x.Fill.PositionSequence).ThenBy(x => x.Fill.FilledAt)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(x => new RecordedFill(RowMapping.ToDomain(x.Fill), LedgerCodes.ParseSide(x.Side), x.Fill.PositionSequence))];
    }

    public async Task<IReadOnlyList<RecordedFill>> GetAllAsync(CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.Fills.AsNoTracking()
            .Join(db.Orders.AsNoTracking(), f => f.OrderId, o => o.Id, (f, o) => new { Fill = f, o.Side })
            .OrderBy(x => x.Fill.PositionSequence).ThenBy(x => x.Fill.FilledAt)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(x => new RecordedFill(RowMapping.ToDomain(x.Fill), LedgerCodes.ParseSide(x.Side), x.Fill.PositionSequence))];
    }

    public async Task<DateTimeOffset?> GetLatestFillTimeAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var latest = await db.Fills.AsNoTracking()
            .Join(db.Orders.AsNoTracking(), f => f.OrderId, o => o.Id, (f, o) => new { f.FilledAt, o.Exchange, o.Symbol })
            .Where(x => x.Exchange == exchange.Value && x.Symbol == symbol.Value)
            .OrderByDescending(x => x.FilledAt)
            .Select(x => (DateTimeOffset?)x.FilledAt)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return latest;
    }
}
