using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Ports;

/// <summary>The result of creating an order: the row that holds the key, and whether this call wrote it.</summary>
/// <param name="Order">The order stored under the idempotency key (this call's, or the one that was there).</param>
/// <param name="Created">True when this call inserted it; false when the key already existed.</param>
public sealed record OrderCreation(Order Order, bool Created);

/// <summary>Orders, keyed by id, idempotency key and exchange order id.</summary>
public interface IOrderRepository
{
    /// <summary>
    /// Inserts a PENDING order. When its idempotency key already exists (even when another writer inserts it
    /// at the same moment) nothing is inserted and the existing order is returned: the database's UNIQUE
    /// constraint decides, not a read before the write.
    /// </summary>
    Task<OrderCreation> CreateAsync(Order order, CancellationToken cancellationToken);

    /// <summary>Saves a changed order (status, exchange id, filled quantity).</summary>
    Task UpdateAsync(Order order, CancellationToken cancellationToken);

    /// <summary>The order with this id, or null. Orders are read without their fills' ids: a known fill is found with <see cref="IFillRepository.FindTargetAsync"/>.</summary>
    Task<Order?> FindByIdAsync(OrderId id, CancellationToken cancellationToken);

    /// <summary>The order holding this key, or null.</summary>
    Task<Order?> FindByIdempotencyKeyAsync(IdempotencyKey key, CancellationToken cancellationToken);

    /// <summary>The order with this exchange order id (qualified: <see cref="ExchangeOrderIds.Qualify"/>), or null.</summary>
    Task<Order?> FindByExchangeOrderIdAsync(string exchangeOrderId, CancellationToken cancellationToken);

    /// <summary>OPEN and PARTIALLY_FILLED orders, oldest first.</summary>
    Task<IReadOnlyList<Order>> GetOpenOrdersAsync(CancellationToken cancellationToken);

    /// <summary>PENDING orders, oldest first.</summary>
    Task<IReadOnlyList<Order>> GetPendingOrdersAsync(CancellationToken cancellationToken);

    /// <summary>Every order, oldest first (for reports).</summary>
    Task<IReadOnlyList<Order>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>Every order with the sum of its fills' quantities, one at a time in id order: bounded memory whatever the ledger's size (for verification).</summary>
    IAsyncEnumerable<OrderWithFills> StreamWithFillsAsync(CancellationToken cancellationToken);
}

/// <summary>An order and what its stored fills add up to.</summary>
/// <param name="Order">The order.</param>
/// <param name="Filled">The sum of its fills' quantities.</param>
/// <param name="Fills">How many fills it has.</param>
public sealed record OrderWithFills(Order Order, Quantity Filled, long Fills);

/// <summary>A fill with the position it belongs to (its order's exchange and symbol).</summary>
/// <param name="Exchange">The order's exchange.</param>
/// <param name="Symbol">The order's symbol.</param>
/// <param name="Recorded">The fill, its order's side and its sequence.</param>
public sealed record PositionFill(ExchangeName Exchange, Symbol Symbol, RecordedFill Recorded);

/// <summary>A fill as stored: with its order's side and its place in the position's sequence.</summary>
/// <param name="Fill">The execution.</param>
/// <param name="Side">Its order's side.</param>
/// <param name="Sequence">1 for the position's first fill, 2 for the next...; replay order.</param>
public sealed record RecordedFill(Fill Fill, Side Side, long Sequence);

/// <summary>What recording a fill needs from the ledger, read together in one query.</summary>
/// <param name="Order">The fill's order.</param>
/// <param name="Position">The position of the order's exchange and symbol; null when none was ever recorded.</param>
/// <param name="AlreadyRecorded">True when a fill with this exchange fill id is already stored.</param>
public sealed record FillTarget(Order Order, Position? Position, bool AlreadyRecorded);

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
    /// Inserts the fill as the position's <paramref name="sequence"/>-th. Returns false, inserting nothing, when
    /// its exchange fill id is already stored (detected by the UNIQUE constraint).
    /// </summary>
    Task<bool> TryAddAsync(Fill fill, long sequence, CancellationToken cancellationToken);

    /// <summary>True when a fill with this exchange fill id is stored.</summary>
    Task<bool> ContainsAsync(ExchangeFillId exchangeFillId, CancellationToken cancellationToken);

    /// <summary>The fills of one order, oldest first.</summary>
    Task<IReadOnlyList<Fill>> GetByOrderAsync(OrderId orderId, CancellationToken cancellationToken);

    /// <summary>The fills of one position in replay order (by sequence).</summary>
    Task<IReadOnlyList<RecordedFill>> GetByPositionAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken);

    /// <summary>Every fill with its order's side, in replay order per position.</summary>
    Task<IReadOnlyList<RecordedFill>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every fill of an order the ledger holds, position by position (exchange, symbol) and in replay order within each,
    /// one at a time: bounded memory whatever the ledger's size (for verification).
    /// </summary>
    IAsyncEnumerable<PositionFill> StreamForReplayAsync(CancellationToken cancellationToken);

    /// <summary>The latest fill time on this symbol, or null when none: the cursor for backfilling trades.</summary>
    Task<DateTimeOffset?> GetLatestFillTimeAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken);
}

/// <summary>Current positions, one per exchange and symbol.</summary>
public interface IPositionRepository
{
    /// <summary>The position, or null when none was ever recorded.</summary>
    Task<Position?> GetAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken);

    /// <summary>Inserts or updates the position; a concurrent change of the same row fails the unit of work.</summary>
    Task SaveAsync(Position position, CancellationToken cancellationToken);

    /// <summary>All positions.</summary>
    Task<IReadOnlyList<Position>> GetAllAsync(CancellationToken cancellationToken);
}

/// <summary>The funding rate time series.</summary>
public interface IFundingSnapshotRepository
{
    /// <summary>
    /// Appends one observation, once by its id: the same snapshot appended again (a unit of work re-run after a lost
    /// commit answer) is not stored twice; an equal observation with another id is.
    /// </summary>
    Task AppendAsync(FundingSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Observations with <paramref name="fromTime"/> ≤ time &lt; <paramref name="untilTime"/>, newest first.</summary>
    Task<IReadOnlyList<FundingSnapshot>> GetRangeAsync(ExchangeName exchange, Symbol symbol, DateTimeOffset fromTime, DateTimeOffset untilTime, CancellationToken cancellationToken);

    /// <summary>The newest observation's time for the symbol (the exchange's clock), or null when none.</summary>
    Task<DateTimeOffset?> GetLatestTimeAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken);
}

/// <summary>Funding income and expense, unique by the exchange's id.</summary>
public interface IFundingPaymentRepository
{
    /// <summary>Inserts the payment; false, inserting nothing, when its exchange id is already stored.</summary>
    Task<bool> TryAddAsync(FundingPayment payment, CancellationToken cancellationToken);

    /// <summary>Payments with <paramref name="fromTime"/> ≤ time &lt; <paramref name="untilTime"/>, oldest first.</summary>
    Task<IReadOnlyList<FundingPayment>> GetRangeAsync(ExchangeName exchange, DateTimeOffset fromTime, DateTimeOffset untilTime, CancellationToken cancellationToken);

    /// <summary>The latest payment time on this exchange, or null: the cursor for backfilling payments.</summary>
    Task<DateTimeOffset?> GetLatestPaidAtAsync(ExchangeName exchange, CancellationToken cancellationToken);
}

/// <summary>Reconciled state snapshots.</summary>
public interface IStateSnapshotRepository
{
    /// <summary>Appends a snapshot.</summary>
    Task AddAsync(StateSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>The newest snapshot for the exchange, or null.</summary>
    Task<StateSnapshot?> GetLatestAsync(ExchangeName exchange, CancellationToken cancellationToken);
}

/// <summary>Halted symbols: one record per exchange and symbol, kept after the halt lifts.</summary>
public interface ISymbolHaltRepository
{
    /// <summary>The symbol's halt record (active or lifted), or null when it was never halted.</summary>
    Task<SymbolHalt?> GetAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken);

    /// <summary>Every halt record, active and lifted, by exchange and symbol.</summary>
    Task<IReadOnlyList<SymbolHalt>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the symbol's record; a concurrent change of the same record fails the unit of work.</summary>
    Task SaveAsync(SymbolHalt halt, CancellationToken cancellationToken);
}

/// <summary>The append-only audit log.</summary>
public interface IAuditLog
{
    /// <summary>
    /// Appends an event, once by its id: when a unit of work runs again after a commit whose answer was lost, an event
    /// its earlier attempt stored is not appended twice. Make the event before the unit of work (not inside it) so that
    /// every attempt appends the same one.
    /// </summary>
    Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken);

    /// <summary>True when an event with this id is stored (e.g. an occurrence already reported: <see cref="AuditEvent.ForOccurrence"/>).</summary>
    Task<bool> ContainsAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The newest events, optionally of one type, newest first.</summary>
    Task<IReadOnlyList<AuditEvent>> GetRecentAsync(AuditEventType? type, int limit, CancellationToken cancellationToken);
}

/// <summary>Checks of the stored data itself, beyond what the repositories can see: duplicates, orphans, file integrity.</summary>
public interface ILedgerIntegrity
{
    /// <summary>One line per problem found in storage; empty when none.</summary>
    Task<IReadOnlyList<string>> CheckStorageAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Makes this process the one active worker of a ledger: on Postgres a session advisory lock held on a
/// dedicated connection, on SQLite an exclusive lock on the ledger. Two workers never trade at once.
/// </summary>
public interface ILedgerLease : IAsyncDisposable
{
    /// <summary>Tries to take the lease; false when another worker holds it.</summary>
    Task<bool> TryAcquireAsync(CancellationToken cancellationToken);

    /// <summary>
    /// True while this process still holds the lease, confirmed now with the lock itself (on Postgres: the lock's own
    /// connection answers and the server still lists the lock as this session's); false once it is gone.
    /// </summary>
    Task<bool> IsHeldAsync(CancellationToken cancellationToken);

    /// <summary>Gives the lease up.</summary>
    Task ReleaseAsync();
}

/// <summary>The ledger as one transaction sees it.</summary>
public interface ILedgerSession
{
    /// <summary>Orders.</summary>
    IOrderRepository Orders { get; }

    /// <summary>Fills.</summary>
    IFillRepository Fills { get; }

    /// <summary>Positions.</summary>
    IPositionRepository Positions { get; }

    /// <summary>Funding snapshots.</summary>
    IFundingSnapshotRepository FundingSnapshots { get; }

    /// <summary>Funding payments.</summary>
    IFundingPaymentRepository FundingPayments { get; }

    /// <summary>State snapshots.</summary>
    IStateSnapshotRepository StateSnapshots { get; }

    /// <summary>The audit log.</summary>
    IAuditLog Audit { get; }

    /// <summary>Halted symbols.</summary>
    ISymbolHaltRepository Halts { get; }
}

/// <summary>
/// Makes several ledger reads and writes one transaction: the work commits when it returns
/// and rolls back, leaving nothing written, when it throws. An adapter may run the work
/// again from the start on a transient database failure, so work must not call the exchange or have any
/// effect outside the session. After a commit that landed although its answer was lost, the answer is the
/// landed attempt's result when the adapter can tell that it landed, or else a re-run's, which then finds
/// the landed attempt's writes.
/// </summary>
public interface IUnitOfWork
{
    /// <summary>Runs <paramref name="work"/> in one transaction and returns its result.</summary>
    Task<T> ExecuteAsync<T>(Func<ILedgerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>
    /// Runs read-only <paramref name="work"/> whose reads all see the ledger as it was at one moment, however many
    /// units commit meanwhile, and returns its result: for checks that compare several tables (orders against their
    /// fills, positions against a replay). It does not hold up writers. Staging a write in it throws
    /// <see cref="InvalidOperationException"/> and writes nothing.
    /// </summary>
    Task<T> ReadAsync<T>(Func<ILedgerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken);
}
