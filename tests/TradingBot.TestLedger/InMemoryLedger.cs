using TradingBot.Domain.Amounts;
using TradingBot.Application.Ports;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.TestLedger;

/// <summary>
/// A transactional in-memory ledger for use-case tests: each unit of work runs on a copy of the state and
/// the copy replaces the state only when the work returns, so a throw leaves nothing written. A step can
/// be made to fail (<see cref="FailAt"/>) to prove all-or-nothing behaviour. The persistence contract suites
/// run it beside the SQLite and Postgres adapters, so it cannot drift from them unseen.
/// </summary>
public sealed class InMemoryLedger : IUnitOfWork, IDisposable
{
    private State _state = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>A step name ("Orders.Create", "Orders.Update", "Fills.TryAdd", "Positions.Save", "FundingPayments.TryAdd", "FundingSnapshots.Append", "StateSnapshots.Add", "Audit.Append") that throws when reached.</summary>
    public string? FailAt { get; set; }

    /// <summary>Runs after every unit of work commits (e.g. to let time pass between a use case's steps).</summary>
    public Action? AfterCommit { get; set; }

    /// <summary>How many units of work committed.</summary>
    public int Commits { get; private set; }

    /// <summary>
    /// Every unit's commit lands but its answer is lost, once: the unit then runs again on the committed state, as the
    /// ledger's execution strategy re-runs it, and that run's result is the answer.
    /// </summary>
    public bool LoseEveryCommitAnswer { get; set; }

    public IReadOnlyList<Order> Orders => [.. _state.Orders.Values.Select(Clone)];

    public IReadOnlyList<(Fill Fill, long Sequence)> Fills => [.. _state.Fills.Values];

    public IReadOnlyList<Position> Positions => [.. _state.Positions.Values.Select(Clone)];

    public IReadOnlyList<AuditEvent> AuditEvents => [.. _state.Audit];

    public IReadOnlyList<FundingPayment> FundingPayments => [.. _state.Payments.Values];

    public IReadOnlyList<FundingSnapshot> FundingSnapshots => [.. _state.Snapshots];

    public IReadOnlyList<StateSnapshot> StateSnapshots => [.. _state.StateSnapshots];

    public IReadOnlyList<SymbolHalt> Halts => [.. _state.Halts.Values];

    /// <summary>Writes an order directly, as if an earlier process had (e.g. crashed after the intent).</summary>
    public void Seed(Order order) => _state.Orders[order.Id] = Clone(order);

    public async Task<T> ExecuteAsync<T>(Func<ILedgerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var copy = _state.Copy();
            var result = await work(new Session(copy, this), cancellationToken);
            _state = copy;
            Commits++;
            if (LoseEveryCommitAnswer)
            {
                copy = _state.Copy();
                result = await work(new Session(copy, this), cancellationToken);
                _state = copy;
                Commits++;
            }

            AfterCommit?.Invoke();
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs read-only work on the state as it is (one snapshot: units wait for it); a write throws.</summary>
    public async Task<T> ReadAsync<T>(Func<ILedgerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await work(new Session(_state.Copy(), this, readOnly: true), cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private void Step(string name)
    {
        if (FailAt == name)
        {
            throw new InvalidOperationException($"injected failure at {name}");
        }
    }

    internal static Order Clone(Order o) => Order.Rehydrate(
        o.Id, o.Exchange, o.Symbol, o.Side, o.Type, o.Quantity, o.LimitPrice, o.IdempotencyKey, o.Status,
        o.ExchangeOrderId, o.FilledQuantity, o.CreatedAt, o.UpdatedAt, deadlines: o.Deadlines);

    internal static Position Clone(Position p) => Position.Rehydrate(
        p.Exchange, p.Symbol, p.NetQuantity, p.EntryNotional, p.RealizedPnl, p.FeesPaid, p.FundingReceived, p.FillCount, p.UpdatedAt, p.LastFilledAt);

    private sealed class State
    {
        public Dictionary<OrderId, Order> Orders { get; init; } = [];

        public Dictionary<ExchangeFillId, (Fill Fill, long Sequence)> Fills { get; init; } = [];

        public Dictionary<(ExchangeName, Symbol), Position> Positions { get; init; } = [];

        public Dictionary<string, FundingPayment> Payments { get; init; } = [];

        public List<FundingSnapshot> Snapshots { get; init; } = [];

        public List<StateSnapshot> StateSnapshots { get; init; } = [];

        public List<AuditEvent> Audit { get; init; } = [];

        public Dictionary<(ExchangeName, Symbol), SymbolHalt> Halts { get; init; } = [];

        public Dictionary<ExchangeFillId, Amount> Realized { get; init; } = [];

        public Dictionary<(ExchangeName Exchange, Symbol Symbol, DateOnly Day), DailyPnl> Days { get; init; } = [];

        public State Copy() => new()
        {
            Halts = new(Halts),
            Realized = new(Realized),
            Days = new(Days),
            Orders = Orders.ToDictionary(kv => kv.Key, kv => Clone(kv.Value)),
            Fills = new(Fills),
            Positions = Positions.ToDictionary(kv => kv.Key, kv => Clone(kv.Value)),
            Payments = new(Payments),
            Snapshots = [.. Snapshots],
            StateSnapshots = [.. StateSnapshots],
            Audit = [.. Audit],
        };
    }

    private sealed class Session(State state, InMemoryLedger owner, bool readOnly = false) :
        ILedgerSession, IOrderRepository, IFillRepository, IPositionRepository, IFundingSnapshotRepository,
        IFundingPaymentRepository, IStateSnapshotRepository, IAuditLog, ISymbolHaltRepository, IPnlDayRepository
    {
        private void WriteStep(string name)
        {
            if (readOnly)
            {
                throw new InvalidOperationException($"a read-only unit of work tried to write ({name})");
            }

            owner.Step(name);
        }

        public IOrderRepository Orders => this;

        public IFillRepository Fills => this;

        public IPositionRepository Positions => this;

        public IFundingSnapshotRepository FundingSnapshots => this;

        public IFundingPaymentRepository FundingPayments => this;

        public IStateSnapshotRepository StateSnapshots => this;

        public IAuditLog Audit => this;

        public ISymbolHaltRepository Halts => this;

        public IPnlDayRepository PnlDays => this;

        public Task AddAsync(ExchangeName exchange, DailyPnl change, CancellationToken cancellationToken)
        {
            WriteStep("PnlDays.Add");
            var key = (exchange, change.Symbol, change.Day);
            state.Days[key] = state.Days.TryGetValue(key, out var sum) ? sum.Plus(change) : change;
            return Task.CompletedTask;
        }

        Task<IReadOnlyList<DailyPnl>> IPnlDayRepository.GetRangeAsync(ExchangeName exchange, DateOnly from, DateOnly until, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<DailyPnl>>([.. state.Days
                .Where(d => d.Key.Exchange == exchange && d.Key.Day >= from && d.Key.Day < until)
                .Select(d => d.Value)
                .OrderBy(d => d.Day).ThenBy(d => d.Symbol.Value, StringComparer.Ordinal)]);

        Task<SymbolHalt?> ISymbolHaltRepository.GetAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken) =>
            Task.FromResult(state.Halts.GetValueOrDefault((exchange, symbol)));

        Task<IReadOnlyList<SymbolHalt>> ISymbolHaltRepository.GetAllAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SymbolHalt>>([.. state.Halts.Values.OrderBy(h => h.Exchange.Value, StringComparer.Ordinal).ThenBy(h => h.Symbol.Value, StringComparer.Ordinal)]);

        public Task SaveAsync(SymbolHalt halt, CancellationToken cancellationToken)
        {
            WriteStep("Halts.Save");
            state.Halts[(halt.Exchange, halt.Symbol)] = halt;
            return Task.CompletedTask;
        }

        public Task<bool> ContainsAsync(ExchangeFillId exchangeFillId, CancellationToken cancellationToken) =>
            Task.FromResult(state.Fills.ContainsKey(exchangeFillId));

        public Task<IReadOnlySet<ExchangeFillId>> WhichAreStoredAsync(IReadOnlyCollection<ExchangeFillId> exchangeFillIds, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlySet<ExchangeFillId>>(exchangeFillIds.Where(state.Fills.ContainsKey).ToHashSet());

        public Task<OrderCreation> CreateAsync(Order order, CancellationToken cancellationToken)
        {
            WriteStep("Orders.Create");
            var existing = state.Orders.Values.FirstOrDefault(o => o.IdempotencyKey == order.IdempotencyKey);
            if (existing is not null)
            {
                return Task.FromResult(new OrderCreation(Clone(existing), false));
            }

            state.Orders[order.Id] = Clone(order);
            return Task.FromResult(new OrderCreation(Clone(order), true));
        }

        public Task UpdateAsync(Order order, CancellationToken cancellationToken)
        {
            WriteStep("Orders.Update");
            if (!state.Orders.ContainsKey(order.Id))
            {
                throw new InvalidOperationException($"no order {order.Id} to update");
            }

            state.Orders[order.Id] = Clone(order);
            return Task.CompletedTask;
        }

        public Task<Order?> FindByIdAsync(OrderId id, CancellationToken cancellationToken) =>
            Task.FromResult(state.Orders.TryGetValue(id, out var o) ? Clone(o) : null);

        public Task<Order?> FindByIdempotencyKeyAsync(IdempotencyKey key, CancellationToken cancellationToken) =>
            Task.FromResult(state.Orders.Values.Where(o => o.IdempotencyKey == key).Select(Clone).FirstOrDefault());

        public Task<Order?> FindByExchangeOrderIdAsync(string exchangeOrderId, CancellationToken cancellationToken) =>
            Task.FromResult(state.Orders.Values.Where(o => o.ExchangeOrderId == exchangeOrderId).Select(Clone).FirstOrDefault());

        public Task<IReadOnlyList<Order>> GetOpenOrdersAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Order>>([.. state.Orders.Values.Where(o => o.Status.IsOpen()).OrderBy(o => o.CreatedAt).Select(Clone)]);

        public Task<IReadOnlyList<Order>> GetPendingOrdersAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Order>>([.. state.Orders.Values.Where(o => o.Status == OrderStatus.Pending).OrderBy(o => o.CreatedAt).Select(Clone)]);

        public Task<IReadOnlyList<Order>> GetAllAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Order>>([.. state.Orders.Values.OrderBy(o => o.CreatedAt).Select(Clone)]);

        public IAsyncEnumerable<OrderWithFills> StreamWithFillsAsync(CancellationToken cancellationToken) =>
            state.Orders.Values.OrderBy(o => o.Id.Value).Select(o => new OrderWithFills(
                Clone(o),
                [.. state.Fills.Values.Where(f => f.Fill.OrderId == o.Id)
                    .Select(f => new RecordedFill(f.Fill, o.Side, f.Sequence, state.Realized.TryGetValue(f.Fill.ExchangeFillId, out var realized) ? realized : null))]))
            .ToAsyncEnumerable();

        public Task<FillTarget?> FindTargetAsync(Fill fill, CancellationToken cancellationToken)
        {
            if (!state.Orders.TryGetValue(fill.OrderId, out var order))
            {
                return Task.FromResult<FillTarget?>(null);
            }

            var position = state.Positions.TryGetValue((order.Exchange, order.Symbol), out var p) ? Clone(p) : null;
            return Task.FromResult<FillTarget?>(new FillTarget(Clone(order), position, state.Fills.ContainsKey(fill.ExchangeFillId)));
        }

        public Task<bool> TryAddAsync(Fill fill, long sequence, Amount realizedPnl, CancellationToken cancellationToken)
        {
            WriteStep("Fills.TryAdd");
            if (state.Fills.ContainsKey(fill.ExchangeFillId))
            {
                return Task.FromResult(false);
            }

            state.Fills[fill.ExchangeFillId] = (fill, sequence);
            state.Realized[fill.ExchangeFillId] = realizedPnl;
            return Task.FromResult(true);
        }

        public Task<IReadOnlyList<Fill>> GetByOrderAsync(OrderId orderId, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Fill>>([.. state.Fills.Values.Where(f => f.Fill.OrderId == orderId).OrderBy(f => f.Sequence).Select(f => f.Fill)]);

        public Task<IReadOnlyList<RecordedFill>> GetByPositionAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<RecordedFill>>([.. state.Fills.Values
                .Select(f => (f.Fill, f.Sequence, Order: state.Orders[f.Fill.OrderId]))
                .Where(f => f.Order.Exchange == exchange && f.Order.Symbol == symbol)
                .OrderBy(f => f.Sequence)
                .Select(f => new RecordedFill(f.Fill, f.Order.Side, f.Sequence))]);

        Task<IReadOnlyList<RecordedFill>> IFillRepository.GetAllAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<RecordedFill>>([.. state.Fills.Values
                .OrderBy(f => f.Sequence)
                .Select(f => new RecordedFill(f.Fill, state.Orders[f.Fill.OrderId].Side, f.Sequence))]);

        public IAsyncEnumerable<PositionFill> StreamForReplayAsync(CancellationToken cancellationToken) =>
            state.Fills.Values
                .Where(f => state.Orders.ContainsKey(f.Fill.OrderId))
                .Select(f => (f.Fill, f.Sequence, Order: state.Orders[f.Fill.OrderId]))
                .OrderBy(f => f.Sequence).ThenBy(f => f.Fill.FilledAt).ThenBy(f => f.Fill.ExchangeFillId.Value, StringComparer.Ordinal)
                .Select(f => new PositionFill(f.Order.Exchange, f.Order.Symbol, new RecordedFill(f.Fill, f.Order.Side, f.Sequence, state.Realized.TryGetValue(f.Fill.ExchangeFillId, out var realized) ? realized : null)))
                .ToAsyncEnumerable();

        public Task<DateTimeOffset?> GetLatestFillTimeAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken) =>
            Task.FromResult(state.Fills.Values
                .Where(f => state.Orders[f.Fill.OrderId].Exchange == exchange && state.Orders[f.Fill.OrderId].Symbol == symbol)
                .Select(f => (DateTimeOffset?)f.Fill.FilledAt)
                .Max());

        public Task<Position?> GetAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken) =>
            Task.FromResult(state.Positions.TryGetValue((exchange, symbol), out var p) ? Clone(p) : null);

        public Task SaveAsync(Position position, CancellationToken cancellationToken)
        {
            WriteStep("Positions.Save");
            state.Positions[(position.Exchange, position.Symbol)] = Clone(position);
            return Task.CompletedTask;
        }

        Task<IReadOnlyList<Position>> IPositionRepository.GetAllAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Position>>([.. state.Positions.Values.Select(Clone)]);

        public Task AppendAsync(FundingSnapshot snapshot, CancellationToken cancellationToken)
        {
            WriteStep("FundingSnapshots.Append");
            if (state.Snapshots.All(s => s.Id != snapshot.Id))
            {
                state.Snapshots.Add(snapshot);
            }

            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<FundingSnapshot>> GetRangeAsync(ExchangeName exchange, Symbol symbol, DateTimeOffset fromTime, DateTimeOffset untilTime, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<FundingSnapshot>>([.. state.Snapshots
                .Where(s => s.Exchange == exchange && s.Symbol == symbol && s.SnapshotAt >= fromTime && s.SnapshotAt < untilTime)
                .OrderByDescending(s => s.SnapshotAt)]);

        public Task<DateTimeOffset?> GetLatestTimeAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken) =>
            Task.FromResult(state.Snapshots.Where(s => s.Exchange == exchange && s.Symbol == symbol).Select(s => (DateTimeOffset?)s.SnapshotAt).Max());

        public Task<bool> TryAddAsync(FundingPayment payment, CancellationToken cancellationToken)
        {
            WriteStep("FundingPayments.TryAdd");
            return Task.FromResult(state.Payments.TryAdd(payment.ExchangePaymentId, payment));
        }

        public Task<IReadOnlyList<FundingPayment>> GetRangeAsync(ExchangeName exchange, DateTimeOffset fromTime, DateTimeOffset untilTime, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<FundingPayment>>([.. state.Payments.Values
                .Where(p => p.Exchange == exchange && p.PaidAt >= fromTime && p.PaidAt < untilTime)
                .OrderBy(p => p.PaidAt)]);

        public Task<DateTimeOffset?> GetLatestPaidAtAsync(ExchangeName exchange, CancellationToken cancellationToken) =>
            Task.FromResult(state.Payments.Values.Where(p => p.Exchange == exchange).Select(p => (DateTimeOffset?)p.PaidAt).Max());

        public Task AddAsync(StateSnapshot snapshot, CancellationToken cancellationToken)
        {
            WriteStep("StateSnapshots.Add");
            if (state.StateSnapshots.All(s => s.Id != snapshot.Id))
            {
                state.StateSnapshots.Add(snapshot);
            }

            return Task.CompletedTask;
        }

        public Task<StateSnapshot?> GetLatestAsync(ExchangeName exchange, CancellationToken cancellationToken) =>
            Task.FromResult(state.StateSnapshots.Where(s => s.Exchange == exchange).OrderByDescending(s => s.ReconciledAt).FirstOrDefault());

        public Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
        {
            WriteStep("Audit.Append");

            // Once by id, as the port says.
            if (state.Audit.All(a => a.Id != auditEvent.Id))
            {
                state.Audit.Add(auditEvent);
            }

            return Task.CompletedTask;
        }

        public Task<bool> ContainsAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult(state.Audit.Any(a => a.Id == id));

        public Task<IReadOnlyList<AuditEvent>> GetRecentAsync(AuditEventType? type, int limit, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AuditEvent>>([.. state.Audit.Where(a => type is null || a.Type == type).OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Take(limit)]);
    }
}
