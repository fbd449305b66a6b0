using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>Fills. The UNIQUE index on exchange_fill_id is what stops a second copy.</summary>
internal sealed class FillRepository(LedgerSession session) : IFillRepository
{
    // The id FindTarget just found absent: TryAdd right after it need not ask again (the UNIQUE index still decides).
    private string? _knownAbsent;

    private static readonly CompiledQuery<Func<LedgerDbContext, string, CancellationToken, Task<bool>>> FillExists =
        new(() => EF.CompileAsyncQuery((LedgerDbContext db, string id, CancellationToken ct) => db.Fills.Any(f => f.ExchangeFillId == id)));

    // Record-fill's one read: the order, its position (LEFT JOIN on the UNIQUE exchange and symbol) and whether the fill id is stored.
    private static readonly CompiledQuery<Func<LedgerDbContext, Guid, string, CancellationToken, Task<FillTargetRow?>>> Target =
        new(() => EF.CompileAsyncQuery((LedgerDbContext db, Guid orderId, string fillId, CancellationToken ct) =>
            (from o in db.Orders.AsNoTracking()
             where o.Id == orderId
             join p in db.Positions.AsNoTracking() on new { o.Exchange, o.Symbol } equals new { p.Exchange, p.Symbol } into positions
             from p in positions.DefaultIfEmpty()
             select new FillTargetRow { Order = o, Position = p, Recorded = db.Fills.Any(f => f.ExchangeFillId == fillId) })
            .FirstOrDefault()));

    public async Task<FillTarget?> FindTargetAsync(Fill fill, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fill);

        // Steady state: this ledger wrote the order and its position last, and not this fill. The write batch checks
        // that both still hold what was remembered, and the UNIQUE index that the fill is new; if not, the unit of
        // work runs again from the read below.
        // Only when the remembered order takes the fill: every answer given from committed rows then ends in a write that the
        // batch checks. A refusal (an over-fill, a rejected order) may come from a stale row, or be a repeat of a fill
        // recorded before a restart or elsewhere, so it is decided on a fresh read.
        if (session.TryUseCommitted(fill.OrderId.Value, fill.ExchangeFillId.Value, out var order, out var position)
            && RowMapping.ToDomain(order).ApplyFill(fill, fill.FilledAt) == FillApplication.Applied)
        {
            _knownAbsent = fill.ExchangeFillId.Value;
            return new FillTarget(RowMapping.ToDomain(order), RowMapping.ToDomain(position), false);
        }

        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var row = await Target.For(db)(db, fill.OrderId.Value, fill.ExchangeFillId.Value, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        session.OrdersSeen[row.Order.Id] = row.Order;
        session.PositionsSeen[(row.Order.Exchange, row.Order.Symbol)] = row.Position;
        if (row.Recorded)
        {
            session.NoteFillStored(fill.ExchangeFillId.Value);
        }
        else
        {
            _knownAbsent = fill.ExchangeFillId.Value;
        }

        return new FillTarget(RowMapping.ToDomain(row.Order), row.Position is null ? null : RowMapping.ToDomain(row.Position), row.Recorded);
    }

    public async Task<bool> TryAddAsync(Fill fill, long sequence, Amount realizedPnl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fill);
        var knownAbsent = string.Equals(_knownAbsent, fill.ExchangeFillId.Value, StringComparison.Ordinal);
        _knownAbsent = null;
        if (!knownAbsent)
        {
            var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
            if (await FillExists.For(db)(db, fill.ExchangeFillId.Value, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        session.InsertNew(RowMapping.ToRow(fill, sequence, realizedPnl));
        return true;
    }

    public async Task<bool> ContainsAsync(ExchangeFillId exchangeFillId, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        return await FillExists.For(db)(db, exchangeFillId.Value, cancellationToken).ConfigureAwait(false);
    }

    // Ids per read of WhichAreStored: well under SQLite's 32,766 and Postgres's 65,535 parameters, and one page of trades.
    internal const int IdsPerRead = 500;

    public async Task<IReadOnlySet<ExchangeFillId>> WhichAreStoredAsync(IReadOnlyCollection<ExchangeFillId> exchangeFillIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exchangeFillIds);
        var stored = new HashSet<ExchangeFillId>();
        if (exchangeFillIds.Count == 0)
        {
            return stored;
        }

        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var ids in exchangeFillIds.Select(id => id.Value).Distinct(StringComparer.Ordinal).Chunk(IdsPerRead))
        {
            var found = await StoredOfQuery(db, ids).ToListAsync(cancellationToken).ConfigureAwait(false);
            stored.UnionWith(found.Select(id => new ExchangeFillId(id)));
        }

        return stored;
    }

    /// <summary>The stored ones of these exchange fill ids: served by the UNIQUE index on exchange_fill_id.</summary>
    internal static IQueryable<string> StoredOfQuery(LedgerDbContext db, string[] exchangeFillIds) =>
        db.Fills.AsNoTracking().Where(f => exchangeFillIds.Contains(f.ExchangeFillId)).Select(f => f.ExchangeFillId);

    public async Task<IReadOnlyList<Fill>> GetByOrderAsync(OrderId orderId, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var fills = new List<Fill>();
        await foreach (var row in ByOrder.For(db)(db, orderId.Value).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            fills.Add(RowMapping.ToDomain(row));
        }

        return fills;
    }

    /// <summary>One order's fills in replay order: served by idx_fills_order_id.</summary>
    internal static IQueryable<FillRow> ByOrderQuery(LedgerDbContext db, Guid orderId) => ByOrderExpression.Compile()(db, orderId);

    private static readonly System.Linq.Expressions.Expression<Func<LedgerDbContext, Guid, IQueryable<FillRow>>> ByOrderExpression =
        (db, orderId) => db.Fills.AsNoTracking().Where(f => f.OrderId == orderId).OrderBy(f => f.PositionSequence);

    // A point read (an order's lookup, reconciliation): compiled, as the per-cycle reads are.
    private static readonly CompiledQuery<Func<LedgerDbContext, Guid, IAsyncEnumerable<FillRow>>> ByOrder =
        new(() => EF.CompileAsyncQuery(ByOrderExpression));

    public async Task<IReadOnlyList<RecordedFill>> GetByPositionAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.Fills.AsNoTracking()
            .Join(db.Orders.AsNoTracking(), f => f.OrderId, o => o.Id, (f, o) => new { Fill = f, o.Exchange, o.Symbol, o.Side })
            .Where(x => x.Exchange == exchange.Value && x.Symbol == symbol.Value)
            .OrderBy(x => x.Fill.PositionSequence).ThenBy(x => x.Fill.FilledAt)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(x => RowMapping.ToRecorded(x.Fill, x.Side))];
    }

    public async Task<IReadOnlyList<RecordedFill>> GetAllAsync(CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.Fills.AsNoTracking()
            .Join(db.Orders.AsNoTracking(), f => f.OrderId, o => o.Id, (f, o) => new { Fill = f, o.Side })
            .OrderBy(x => x.Fill.PositionSequence).ThenBy(x => x.Fill.FilledAt)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(x => RowMapping.ToRecorded(x.Fill, x.Side))];
    }

    public async IAsyncEnumerable<PositionFill> StreamForReplayAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        await Writes.LedgerProvider.Of(db).BeforeWholeTableReadAsync(db, cancellationToken).ConfigureAwait(false);
        var positions = new Dictionary<(string, string), (ExchangeName, Symbol)>(); // one per position, not two names checked per fill
        await foreach (var x in ReplayQuery(db).AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (!positions.TryGetValue((x.Exchange, x.Symbol), out var position))
            {
                positions[(x.Exchange, x.Symbol)] = position = (new ExchangeName(x.Exchange), new Symbol(x.Symbol));
            }

            yield return new PositionFill(position.Item1, position.Item2, RowMapping.ToRecorded(x.Fill, x.Side));
        }
    }

    /// <summary>
    /// Every fill of an order with its order's exchange, symbol and side, in sequence order: each position's fills in its
    /// replay order, positions interleaved (verify's stream). Sorting on the sequence first, not on the exchange and
    /// symbol text, halved the sort of a million joined rows on Postgres (comparisons settle on an integer).
    /// </summary>
    internal static IQueryable<ReplayRow> ReplayQuery(LedgerDbContext db) =>
        db.Fills.AsNoTracking()
            .Join(db.Orders.AsNoTracking(), f => f.OrderId, o => o.Id, (f, o) => new ReplayRow { Fill = f, Side = o.Side, Exchange = o.Exchange, Symbol = o.Symbol })
            .OrderBy(x => x.Fill.PositionSequence).ThenBy(x => x.Fill.FilledAt).ThenBy(x => x.Fill.Id);

    public async Task<DateTimeOffset?> GetLatestFillTimeAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken)
    {
        // The position keeps it (one row on its unique index); only a position stored before it did needs the fills read.
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var position = await db.Positions.AsNoTracking()
            .Where(p => p.Exchange == exchange.Value && p.Symbol == symbol.Value)
            .Select(p => new { p.FillCount, p.LastFilledAt })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (position is null || position.FillCount == 0 || position.LastFilledAt is not null)
        {
            return position?.LastFilledAt;
        }

        var latest = await db.Fills.AsNoTracking()
            .Join(db.Orders.AsNoTracking(), f => f.OrderId, o => o.Id, (f, o) => new { f.FilledAt, o.Exchange, o.Symbol })
            .Where(x => x.Exchange == exchange.Value && x.Symbol == symbol.Value)
            .OrderByDescending(x => x.FilledAt)
            .Select(x => (DateTimeOffset?)x.FilledAt)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return latest;
    }
}

/// <summary>The row shape of <see cref="FillRepository.FindTargetAsync"/>'s query.</summary>
internal sealed class FillTargetRow
{
    public OrderRow Order { get; set; } = null!;

    public PositionRow? Position { get; set; }

    public bool Recorded { get; set; }
}

/// <summary>The row shape of <see cref="FillRepository.ReplayQuery"/>.</summary>
internal sealed class ReplayRow
{
    public FillRow Fill { get; set; } = null!;

    public string Side { get; set; } = "";

    public string Exchange { get; set; } = "";

    public string Symbol { get; set; } = "";
}
