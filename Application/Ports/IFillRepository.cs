using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Ports;

/// <summary>Fills, unique by exchange fill id.</summary>
public interface IFillRepository
{
    /// <summary>
    /// The fill's order, that order's position and whether the fill is already stored, read in one go (one
    /// round trip); null when the ledger has no such order. A later <see cref="TryAddAsync"/> of this fill and
    /// <see cref="IPositionRepository.SaveAsync"/> of this position build on exactly what was read here.
    /// </summary>
    Task<FillTarget?> FindTargetAsync(Fill fill, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts the fill as the position's <paramref name="sequence"/>-th, with the trading PnL it realized. Returns false,
    /// inserting nothing, when its exchange fill id is already stored (detected by the UNIQUE constraint).
    /// </summary>
    Task<bool> TryAddAsync(Fill fill, long sequence, Amount realizedPnl, CancellationToken cancellationToken);

    /// <summary>True when a fill with this exchange fill id is stored.</summary>
    Task<bool> ContainsAsync(ExchangeFillId exchangeFillId, CancellationToken cancellationToken);

    /// <summary>
    /// Which of these exchange fill ids are stored, read on the UNIQUE index in batches of a bounded size: the trades
    /// re-read each cycle (the cursor steps back an hour) cost one read together, not a lookup and a record each.
    /// </summary>
    Task<IReadOnlySet<ExchangeFillId>> WhichAreStoredAsync(IReadOnlyCollection<ExchangeFillId> exchangeFillIds, CancellationToken cancellationToken);

    /// <summary>The fills of one order, oldest first.</summary>
    Task<IReadOnlyList<Fill>> GetByOrderAsync(OrderId orderId, CancellationToken cancellationToken);

    /// <summary>The fills of one position in replay order (by sequence).</summary>
    Task<IReadOnlyList<RecordedFill>> GetByPositionAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken);

    /// <summary>Every fill with its order's side, in replay order per position.</summary>
    Task<IReadOnlyList<RecordedFill>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every fill of an order the ledger holds with its position (exchange, symbol), one at a time, ordered by sequence:
    /// each position's fills come in its replay order, and positions interleave. Bounded memory whatever the ledger's
    /// size; the reader keeps one replay per position (for verification).
    /// </summary>
    IAsyncEnumerable<PositionFill> StreamForReplayAsync(CancellationToken cancellationToken);

    /// <summary>The latest fill time on this symbol, or null when none: the cursor for backfilling trades.</summary>
    Task<DateTimeOffset?> GetLatestFillTimeAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken);
}
