using System.Globalization;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Telemetry;
using TradingBot.Application.Trading;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Reconciliation;

/// <summary>What is reconciled: the traded symbols, and the positions the strategy means to hold on them.</summary>
/// <param name="Symbols">The traded symbols.</param>
/// <param name="Intent">The net positions the strategy means to hold; outside them the symbol halts.</param>
public sealed record ReconciliationScope(IReadOnlyList<Symbol> Symbols, PositionIntent Intent)
{
    /// <summary>
    /// How often a reconciliation that finds the same state as the last stored one (differences, halts, the exchange's
    /// positions, open orders and wallet balances) is stored again; zero stores every one.
    /// </summary>
    public TimeSpan StoreUnchangedEvery { get; init; }
}

/// <summary>The outcome of a reconciliation.</summary>
/// <param name="Differences">One line per difference between the ledger and the exchange; empty when they agree.</param>
/// <param name="Snapshot">The state snapshot written.</param>
/// <param name="HaltChanges">Halts that began or lifted in this reconciliation.</param>
/// <param name="ActiveHalts">Every symbol halted after it.</param>
/// <param name="ForeignOpenOrders">Open orders at the exchange that the ledger did not place (any type), reported, never a reason to fail.</param>
public sealed record ReconciliationReport(
    IReadOnlyList<string> Differences,
    StateSnapshot Snapshot,
    IReadOnlyList<HaltChange> HaltChanges,
    IReadOnlyList<SymbolHalt> ActiveHalts,
    IReadOnlyList<OpenOrderView> ForeignOpenOrders)
{
    /// <summary>True when the exchange and the ledger agree.</summary>
    public bool InAgreement => Differences.Count == 0;

    /// <summary>False when the state snapshot and the RECONCILIATION event were not written: nothing changed since the last stored.</summary>
    public bool Stored { get; init; } = true;
}

/// <summary>
/// Brings the ledger in line with the exchange, which is the truth, and says where it cannot: the exchange's positions
/// are read first, then every traded symbol's new trades are recorded (external ones included), then each OPEN or
/// PARTIALLY_FILLED order is read again at the exchange (filled, expired or cancelled there ends so in the ledger; one
/// the exchange no longer knows is resolved from its trades, none: CANCELLED), and an order open at the exchange under a
/// key the ledger judged never placed is adopted (the judgement corrected). Each traded symbol's ledger position is
/// then compared with the exchange's: a symbol whose positions differ, or whose position is beyond the strategy's
/// intent, is halted (<see cref="SymbolHaltRules"/>); a halt lifts when the cause is gone. One transaction then writes
/// the halts, a RECONCILIATION audit event listing every difference and a state snapshot of balances, positions and
/// open orders, unless it found the same state as the last one stored within <see cref="ReconciliationScope.StoreUnchangedEvery"/>.
/// A symbol whose trades cannot be read is a difference, not a failure of the others.
/// </summary>
public sealed class Reconcile(IUnitOfWork ledger, IExchange exchange, IClock clock, IngestTrades ingestTrades, OrderTiming timing, TradingBotMetrics? metrics = null)
{
    private readonly TradingBotMetrics _metrics = metrics ?? TradingBotMetrics.Shared;

    // What this instance stored last, and when: the worker keeps one, so an unchanged state is not a row every 30 s.
    private (string State, DateTimeOffset At)? _lastStored;

    /// <summary>Runs the use case.</summary>
    public async Task<ReconciliationReport> ExecuteAsync(ReconciliationScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        using var activity = TradingBotMetrics.ActivitySource.StartActivity("TradingBot.Reconcile");
        var balances = await exchange.GetBalancesAsync(cancellationToken).ConfigureAwait(false);
        var exchangePositions = await exchange.GetPositionsAsync(cancellationToken).ConfigureAwait(false);
        var exchangeOrders = await exchange.GetOpenOrdersAsync(null, cancellationToken).ConfigureAwait(false);

        // The trades behind the positions just read: recorded before the positions are compared.
        var unreadable = new Dictionary<Symbol, string>();
        foreach (var symbol in scope.Symbols)
        {
            try
            {
                await ingestTrades.CatchUpAsync(symbol, cancellationToken).ConfigureAwait(false);
            }
            catch (ExchangeException exception)
            {
                unreadable[symbol] = exception.Message;
            }
        }

        var reread = await RereadOpenOrdersAsync(unreadable, cancellationToken).ConfigureAwait(false);
        await AdoptLateOrdersAsync(exchangeOrders, cancellationToken).ConfigureAwait(false);

        // Outside the unit of work: a re-run after a lost commit answer writes the same snapshot and events, not second ones.
        var snapshotId = Guid.CreateVersion7();
        var auditId = Guid.CreateVersion7();
        var haltEventIds = scope.Symbols.ToDictionary(s => s, _ => Guid.CreateVersion7());
        var now = clock.UtcNow;

        var (report, state) = await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var ledgerPositions = (await session.Positions.GetAllAsync(ct).ConfigureAwait(false))
                    .Where(p => p.Exchange == exchange.Name)
                    .ToDictionary(p => p.Symbol);
                var ledgerOpen = (await session.Orders.GetOpenOrdersAsync(ct).ConfigureAwait(false))
                    .Where(o => o.Exchange == exchange.Name)
                    .ToList();
                var halts = (await session.Halts.GetAllAsync(ct).ConfigureAwait(false))
                    .Where(h => h.Exchange == exchange.Name)
                    .ToDictionary(h => h.Symbol);

                var differences = new List<string>(reread);
                var changes = new List<HaltChange>();
                var exchangeBySymbol = exchangePositions.ToDictionary(p => p.Symbol);
                foreach (var symbol in exchangeBySymbol.Keys.Union(ledgerPositions.Keys).Union(scope.Symbols).OrderBy(s => s.Value, StringComparer.Ordinal))
                {
                    var atExchange = exchangeBySymbol.TryGetValue(symbol, out var e) ? e.NetQuantity : Amount.Zero;
                    var inLedger = ledgerPositions.TryGetValue(symbol, out var l) ? l.NetQuantity : Amount.Zero;
                    var traded = scope.Symbols.Contains(symbol);
                    if (traded && unreadable.TryGetValue(symbol, out var problem))
                    {
                        // Still compared: a position the ledger does not know halts the symbol even when its trades cannot be read.
                        differences.Add($"position {symbol}: its trades could not be read ({problem})");
                    }

                    if (atExchange != inLedger)
                    {
                        differences.Add($"position {symbol}: exchange {atExchange}, ledger {inLedger}{(traded ? string.Empty : " (not traded by this worker)")}");
                    }

                    if (!traded)
                    {
                        continue;
                    }

                    var next = SymbolHaltRules.Next(halts.GetValueOrDefault(symbol), exchange.Name, symbol, inLedger, atExchange, scope.Intent, now);
                    if (next is not null)
                    {
                        await session.Halts.SaveAsync(next, ct).ConfigureAwait(false);
                        await session.Audit.AppendAsync(HaltAudit.Of(next, haltEventIds[symbol]), ct).ConfigureAwait(false);
                        halts[symbol] = next;
                        changes.Add(new HaltChange(next, next.IsActive));
                    }
                }

                var exchangeIds = exchangeOrders.Select(o => o.ClientOrderId).ToHashSet(StringComparer.Ordinal);
                foreach (var order in ledgerOpen.Where(o => !o.IsExternal && !exchangeIds.Contains(o.IdempotencyKey.Value)))
                {
                    differences.Add($"order {order.IdempotencyKey} ({order.Symbol}) is {order.Status.ToCode()} in the ledger but not open at the exchange");
                }

                var views = exchangeOrders.Select(o => new OpenOrderView(o.Symbol, o.ClientOrderId, o.ExchangeOrderId, o.Side, o.Type, o.Quantity, o.LimitPrice, o.FilledQuantity, o.Status) { NativeType = o.NativeType, ReduceOnly = o.ReduceOnly }).ToList();
                var ledgerKeys = ledgerOpen.Select(o => o.IdempotencyKey.Value).ToHashSet(StringComparer.Ordinal);
                var foreign = views.Where(o => !ledgerKeys.Contains(o.ClientOrderId)).ToList();
                var snapshot = new StateSnapshot(snapshotId, exchange.Name, now, balances, exchangePositions, views);
                var active = halts.Values.Where(h => h.IsActive).Select(h => h.Symbol.Value).Order(StringComparer.Ordinal).ToList();
                var state = StateOf(differences, active, snapshot);
                if (changes.Count == 0 && _lastStored is { } last && last.State == state && now - last.At < scope.StoreUnchangedEvery)
                {
                    return (new ReconciliationReport(differences, snapshot, changes, [.. halts.Values.Where(h => h.IsActive)], foreign) { Stored = false }, state);
                }

                await session.StateSnapshots.AddAsync(snapshot, ct).ConfigureAwait(false);

                var fields = new List<(string, string)>
                {
                    ("exchange", exchange.Name.Value),
                    ("state_snapshot_id", snapshot.Id.ToString()),
                    ("differences", differences.Count.ToString(CultureInfo.InvariantCulture)),
                    ("foreign_open_orders", foreign.Count.ToString(CultureInfo.InvariantCulture)),
                    ("halted", string.Join(' ', active)),
                };
                fields.AddRange(differences.Select((d, i) => ($"difference_{i + 1}", d)));
                fields.AddRange(foreign.Select((o, i) => ($"foreign_open_order_{i + 1}", $"{o.Symbol} {o.NativeType} {o.Side.ToCode()} {o.Quantity} ({o.ClientOrderId})")));
                await session.Audit.AppendAsync(AuditEvent.Create(auditId, AuditEventType.Reconciliation, now, [.. fields]), ct).ConfigureAwait(false);
                return (new ReconciliationReport(differences, snapshot, changes, [.. halts.Values.Where(h => h.IsActive)], foreign), state);
            },
            cancellationToken).ConfigureAwait(false);
        if (report.Stored)
        {
            _lastStored = (state, now);
        }

        _metrics.ReconcileDifferences(report.Differences.Count);
        _metrics.HaltedSymbols(report.ActiveHalts.Count);
        return report;
    }

    // The state a stored reconciliation records, less what moves with the market (available balance) and the time.
    private static string StateOf(List<string> differences, List<string> halted, StateSnapshot snapshot) => string.Join(
        '\n',
        differences
            .Concat(halted.Select(h => $"halted {h}"))
            .Concat(snapshot.Positions.Select(p => $"position {p.Symbol} {p.NetQuantity} {p.EntryPrice}").Order(StringComparer.Ordinal))
            .Concat(snapshot.OpenOrders.Select(o => $"order {o.ClientOrderId} {o.Status.ToCode()} {o.FilledQuantity}").Order(StringComparer.Ordinal))
            .Concat(snapshot.Balances.Select(b => $"balance {b.Asset} {b.Wallet}").Order(StringComparer.Ordinal)));

    // Every live order of the ledger is asked for again: filled, expired or cancelled at the exchange ends so here. Returns
    // the problems met, one line each.
    private async Task<List<string>> RereadOpenOrdersAsync(Dictionary<Symbol, string> unreadable, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var open = await ledger.ExecuteAsync((session, ct) => session.Orders.GetOpenOrdersAsync(ct), cancellationToken).ConfigureAwait(false);
        foreach (var order in open.Where(o => o.Exchange == exchange.Name && !o.IsExternal))
        {
            try
            {
                await RereadAsync(order, unreadable.ContainsKey(order.Symbol), problems, cancellationToken).ConfigureAwait(false);
            }
            catch (ExchangeException exception)
            {
                // One order's (or symbol's) read failing is that order's problem, not the reconciliation's.
                problems.Add($"order {order.IdempotencyKey} ({order.Symbol}) could not be read again: {exception.Message}");
            }
        }

        return problems;
    }

    private async Task RereadAsync(Order order, bool tradesUnreadable, List<string> problems, CancellationToken cancellationToken)
    {
        var lookup = await exchange.GetOrderAsync(order.Symbol, order.IdempotencyKey, cancellationToken).ConfigureAwait(false);
        switch (lookup)
        {
            case OrderLookupResult.Found found when !tradesUnreadable:
                if (!found.State.FilledQuantity.IsZero && found.State.FilledQuantity > order.FilledQuantity)
                {
                    // Fills the exchange made since the trades were read: recorded before the status is taken over.
                    await ingestTrades.ExecuteAsync(order.Symbol, await SinceCreatedAsync(order, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                }

                await UpdateAsync(order.Id, o => ExchangeOrderSync.Apply(o, found.State, clock.UtcNow), "read again at the exchange", cancellationToken).ConfigureAwait(false);
                break;

            // The exchange no longer knows it (Binance forgets a cancelled or expired order without fills after three days),
            // past the time its placement could still be catching up: its trades decide, and what they do not fill was
            // cancelled. Sooner, "does not exist" may be Binance's query service lagging.
            case OrderLookupResult.NotFound when !tradesUnreadable && clock.UtcNow > timing.NeverPlacedAfter(order, exchange.RequestValidity):
                await ingestTrades.ExecuteAsync(order.Symbol, await SinceCreatedAsync(order, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                await UpdateAsync(
                    order.Id,
                    o =>
                    {
                        var before = o.Status;
                        o.TryTransitionTo(OrderStatus.Cancelled, clock.UtcNow);
                        return before;
                    },
                    "the exchange no longer knows it: resolved from its trades, the rest cancelled",
                    cancellationToken).ConfigureAwait(false);
                break;
            case OrderLookupResult.Unknown unknown:
                problems.Add($"order {order.IdempotencyKey} ({order.Symbol}) could not be read again: {unknown.Reason}");
                break;
            default:
                break;
        }
    }

    // Every trade of an order is at or after its creation: from a minute before the ledger wrote it, converted to the
    // exchange's clock (the host's may be off the exchange's by more than that minute; its trades carry the exchange's time).
    private Task<DateTimeOffset> SinceCreatedAsync(Order order, CancellationToken cancellationToken) =>
        exchange.ExchangeTimeAtAsync(order.CreatedAt - TimeSpan.FromMinutes(1), cancellationToken);

    // An order open at the exchange under a key the ledger judged never placed (REJECTED) was placed after all: it takes
    // the exchange's state, and the correction is audited.
    private async Task AdoptLateOrdersAsync(IReadOnlyList<ExchangeOrderState> exchangeOrders, CancellationToken cancellationToken)
    {
        foreach (var state in exchangeOrders.Where(o => IdempotencyKey.IsValid(o.ClientOrderId, out _) && !o.ClientOrderId.StartsWith(IdempotencyKey.ExternalPrefix, StringComparison.Ordinal)))
        {
            var key = new IdempotencyKey(state.ClientOrderId);
            var order = await ledger.ExecuteAsync((session, ct) => session.Orders.FindByIdempotencyKeyAsync(key, ct), cancellationToken).ConfigureAwait(false);
            if (order is { Status: OrderStatus.Rejected } && order.Exchange == exchange.Name && order.Symbol == state.Symbol)
            {
                await UpdateAsync(order.Id, o => ExchangeOrderSync.Apply(o, state, clock.UtcNow), ExchangeOrderSync.Why(OrderStatus.Rejected, "open at the exchange"), cancellationToken, OrderStatus.Rejected).ConfigureAwait(false);
            }
        }
    }

    private Task<bool> UpdateAsync(OrderId id, Func<Order, OrderStatus> change, string reason, CancellationToken cancellationToken, OrderStatus? fromStatus = null)
    {
        var auditId = Guid.CreateVersion7(); // outside the unit of work: a re-run after a lost commit answer appends no second event
        return ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var current = await session.Orders.FindByIdAsync(id, ct).ConfigureAwait(false);
                if (current is null || (fromStatus is { } from ? current.Status != from : !current.Status.IsOpen()))
                {
                    return false; // settled meanwhile (e.g. FILLED by the fills just recorded)
                }

                var exchangeId = current.ExchangeOrderId;
                var before = change(current);
                if (current.Status == before && current.ExchangeOrderId == exchangeId)
                {
                    return false;
                }

                await session.Orders.UpdateAsync(current, ct).ConfigureAwait(false);
                await session.Audit.AppendAsync(OrderAudit.Transition(current, before, clock.UtcNow, reason, auditId), ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }
}

/// <summary>Audit events about halts.</summary>
internal static class HaltAudit
{
    /// <summary>A STATE_TRANSITION event saying that <paramref name="halt"/> began or lifted.</summary>
    public static AuditEvent Of(SymbolHalt halt, Guid id) =>
        AuditEvent.Create(
            id,
            AuditEventType.StateTransition,
            halt.ReleasedAt ?? halt.HaltedAt,
            ("event", halt.IsActive ? "symbol halted: no new orders until the cause is gone" : "symbol halt lifted"),
            ("exchange", halt.Exchange.Value),
            ("symbol", halt.Symbol.Value),
            ("reason", halt.Reason.ToCode()),
            ("detail", halt.Detail),
            ("until", halt.Until?.ToString("O", CultureInfo.InvariantCulture) ?? string.Empty));
}
