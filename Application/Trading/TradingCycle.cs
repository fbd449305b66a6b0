using TradingBot.Application.Funding;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Telemetry;
using TradingBot.Application.Reconciliation;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Trading;

/// <summary>What the worker trades and how often.</summary>
/// <param name="Symbols">The symbols traded.</param>
/// <param name="PollInterval">The time between cycles; decisions are keyed by this slot.</param>
/// <param name="Strategy">The funding-rate harvest's settings.</param>
/// <param name="Actor">Who runs the cycle (host and process), recorded with each decision.</param>
public sealed record CycleSettings(IReadOnlyList<Symbol> Symbols, TimeSpan PollInterval, FundingHarvestSettings Strategy, string Actor)
{
    /// <summary>How many refusals of a close in a row halt the symbol.</summary>
    public int CloseRefusalsToHalt { get; init; } = 3;

    /// <summary>How long a symbol whose close was refused <see cref="CloseRefusalsToHalt"/> times stays halted before the close is tried again.</summary>
    public TimeSpan CloseRefusedHalt { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The least time between two funding snapshots of a symbol (besides those around each settlement); zero stores every quote.</summary>
    public TimeSpan FundingSnapshotInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The least time between two stored reconciliations (state snapshot and RECONCILIATION event) that found nothing new.</summary>
    public TimeSpan StateSnapshotInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>What reconciliation covers: the traded symbols and the strategy's intended positions.</summary>
    public ReconciliationScope Scope => new(Symbols, Strategy.Intent) { StoreUnchangedEvery = StateSnapshotInterval };
}

/// <summary>What one cycle did.</summary>
/// <param name="PendingResolved">PENDING orders resolved from the exchange's answer.</param>
/// <param name="FillsRecorded">New fills recorded.</param>
/// <param name="FundingPaymentsRecorded">New funding payments recorded.</param>
/// <param name="OrdersPlaced">Orders placed (accepted, rejected or unknown).</param>
/// <param name="Decisions">What was decided per symbol.</param>
public sealed record CycleReport(int PendingResolved, int FillsRecorded, int FundingPaymentsRecorded, int OrdersPlaced, IReadOnlyList<string> Decisions)
{
    /// <summary>True when the cycle stopped because this worker could not confirm its ledger lease: it must stop deciding.</summary>
    public bool LeaseLost { get; init; }

    /// <summary>Symbols whose work failed in this cycle (retried next cycle), with the problem; "funding payments" when those could not be read.</summary>
    public IReadOnlyList<string> SymbolFailures { get; init; } = [];

    /// <summary>Halts that began or lifted in this cycle (the start-up reconciliation's included).</summary>
    public IReadOnlyList<HaltChange> HaltChanges { get; init; } = [];

    /// <summary>The start-up reconciliation, when this report is of <see cref="TradingCycle.RecoverAsync"/>.</summary>
    public ReconciliationReport? Reconciliation { get; init; }
}

/// <summary>
/// One cycle of the worker, in the order that keeps the ledger true: resolve PENDING orders first, ingest new trades
/// as fills (external ones included) and new funding payments, read each symbol's funding quote (stored as a snapshot
/// when <see cref="FundingSnapshotSampler"/> says it adds to the series), let the strategy
/// decide, and place orders intent first. A symbol that is halted, or has an order still in flight (PENDING, OPEN or
/// PARTIALLY_FILLED), or whose position is beyond the strategy's intent, gets no new decision. A close is sized from
/// the reconciled position and sent reduce-only; refused repeatedly, it halts the symbol for a while. A failure on one
/// symbol is audited and retried next cycle while the others trade on. Every decision is audited: an order's with its
/// intent, a hold when it differs from the symbol's previous hold. <see cref="RecoverAsync"/> is the start-up part:
/// resolve PENDING orders, backfill trades and funding payments, and reconcile every traded symbol before the first decision.
/// </summary>
public sealed class TradingCycle(
    IUnitOfWork ledger,
    IExchange exchange,
    IClock clock,
    ResolvePendingOrders resolvePending,
    IngestTrades ingestTrades,
    RecordFundingPayment recordFundingPayment,
    RecordFundingSnapshot recordFundingSnapshot,
    PlaceOrder placeOrder,
    Reconcile reconcile,
    TradingBotMetrics? metrics = null)
{
    private readonly TradingBotMetrics _metrics = metrics ?? TradingBotMetrics.Shared;

    // Funding payments step back this far in exchange time: re-reading is free (payments are deduplicated), missing is not.
    private static readonly TimeSpan CursorOverlap = TimeSpan.FromHours(1);
    private static readonly TimeSpan FirstBackfill = TimeSpan.FromDays(7);

    // The last hold (or failure) audited per symbol: a hold is a decision too, but only a change of it is worth a row.
    private readonly Dictionary<Symbol, string> _lastHold = [];

    // Closes the exchange refused in a row per symbol, and when the next may be tried.
    private readonly Dictionary<Symbol, (int Refusals, DateTimeOffset NextTry)> _closeRefusals = [];

    private string? _lastPaymentFailure;

    private readonly FundingSnapshotSampler _fundingSamples = new();

    /// <summary>Start-up recovery: resolve PENDING orders, backfill trades and funding payments, reconcile every traded symbol.</summary>
    public async Task<CycleReport> RecoverAsync(CycleSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var resolution = await resolvePending.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        var (fills, payments, failures) = await IngestAsync(settings, cancellationToken).ConfigureAwait(false);
        var reconciliation = await reconcile.ExecuteAsync(settings.Scope, cancellationToken).ConfigureAwait(false);
        return new CycleReport(resolution.Resolved.Count + resolution.Rejected.Count, fills, payments, 0, [])
        {
            SymbolFailures = Failures(failures),
            HaltChanges = reconciliation.HaltChanges,
            Reconciliation = reconciliation,
        };
    }

    /// <summary>Runs one cycle.</summary>
    public async Task<CycleReport> RunAsync(CycleSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var activity = TradingBotMetrics.ActivitySource.StartActivity("TradingBot.Cycle");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var report = await RunCycleAsync(settings, cancellationToken).ConfigureAwait(false);
        _metrics.CycleCompleted(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        activity?.SetTag("tradingbot.orders_placed", report.OrdersPlaced).SetTag("tradingbot.fills_recorded", report.FillsRecorded).SetTag("tradingbot.lease_lost", report.LeaseLost);
        return report;
    }

    private async Task<CycleReport> RunCycleAsync(CycleSettings settings, CancellationToken cancellationToken)
    {
        var resolution = await resolvePending.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        var (fills, payments, failures) = await IngestAsync(settings, cancellationToken).ConfigureAwait(false);

        var (inFlight, halts) = await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var pending = await session.Orders.GetPendingOrdersAsync(ct).ConfigureAwait(false);
                var open = await session.Orders.GetOpenOrdersAsync(ct).ConfigureAwait(false);
                var symbols = pending.Concat(open).Where(o => o.Exchange == exchange.Name && !o.IsExternal).Select(o => o.Symbol).ToHashSet();
                var all = await session.Halts.GetAllAsync(ct).ConfigureAwait(false);
                return (symbols, all.Where(h => h.Exchange == exchange.Name).ToDictionary(h => h.Symbol));
            },
            cancellationToken).ConfigureAwait(false);

        var placed = 0;
        var decisions = new List<string>();
        var changes = new List<HaltChange>();
        var slot = SlotOf(clock.UtcNow, settings.PollInterval);
        foreach (var symbol in settings.Symbols)
        {
            if (failures.TryGetValue(symbol, out var ingestFailure))
            {
                decisions.Add($"{symbol}: hold, its trades could not be read ({ingestFailure})");
                await AuditFailureAsync(symbol, ingestFailure, settings.Actor, cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                var step = await DecideAsync(settings, symbol, slot, inFlight.Contains(symbol), halts.GetValueOrDefault(symbol), cancellationToken).ConfigureAwait(false);
                decisions.Add($"{symbol}: {step.Decision}");
                placed += step.Placed;
                fills += step.Fills;
                if (step.HaltChange is { } change)
                {
                    changes.Add(change);
                }

                if (step.LeaseLost)
                {
                    ObserveHalts(halts.Values, changes);
                    return new CycleReport(resolution.Resolved.Count + resolution.Rejected.Count, fills, payments, placed, decisions)
                    {
                        LeaseLost = true,
                        SymbolFailures = Failures(failures),
                        HaltChanges = changes,
                    };
                }
            }
            catch (ExchangeException exception)
            {
                failures[symbol] = exception.Message;
                decisions.Add($"{symbol}: hold, the exchange could not answer ({exception.Message})");
                await AuditFailureAsync(symbol, exception.Message, settings.Actor, cancellationToken).ConfigureAwait(false);
            }
        }

        ObserveHalts(halts.Values, changes);
        return new CycleReport(resolution.Resolved.Count + resolution.Rejected.Count, fills, payments, placed, decisions)
        {
            SymbolFailures = Failures(failures),
            HaltChanges = changes,
        };
    }

    // The halts read at the cycle's start, with the ones that began or lifted during it.
    private void ObserveHalts(IEnumerable<SymbolHalt> atStart, List<HaltChange> changes)
    {
        var halted = atStart.Where(h => h.IsActive).Select(h => h.Symbol).ToHashSet();
        foreach (var change in changes)
        {
            _ = change.Began ? halted.Add(change.Halt.Symbol) : halted.Remove(change.Halt.Symbol);
        }

        _metrics.HaltedSymbols(halted.Count);
    }

    private List<string> Failures(Dictionary<Symbol, string> failures)
    {
        var lines = failures.Select(f => $"{f.Key}: {f.Value}").ToList();
        if (_lastPaymentFailure is { } payments)
        {
            lines.Add($"funding payments: {payments}");
        }

        return lines;
    }

    /// <summary>The start of the poll slot containing <paramref name="now"/>: the decision's time in its intent.</summary>
    public static DateTimeOffset SlotOf(DateTimeOffset now, TimeSpan pollInterval)
    {
        var ticks = Math.Max(TimeSpan.TicksPerMillisecond, pollInterval.Ticks);
        var utc = now.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % ticks), TimeSpan.Zero);
    }

    private sealed record SymbolStep(string Decision, int Placed = 0, int Fills = 0, bool LeaseLost = false, HaltChange? HaltChange = null);

    private async Task<SymbolStep> DecideAsync(CycleSettings settings, Symbol symbol, DateTimeOffset slot, bool inFlight, SymbolHalt? halt, CancellationToken cancellationToken)
    {
        // The strategy decides on the quote just read; the series keeps what the sampler says adds to it.
        var quote = await exchange.GetFundingQuoteAsync(symbol, cancellationToken).ConfigureAwait(false);
        var due = _fundingSamples.Due(quote, clock.UtcNow, settings.FundingSnapshotInterval);
        if (due.Count > 0)
        {
            await recordFundingSnapshot.ExecuteAsync(
                [.. due.Select(q => new FundingSnapshot(exchange.Name, q.Symbol, q.Rate, q.MarkPrice, q.IndexPrice, q.Time))], cancellationToken).ConfigureAwait(false);
        }

        _fundingSamples.Seen(quote, clock.UtcNow, due.Contains(quote));
        var rate = quote.Rate;

        var position = await ledger.ExecuteAsync((session, ct) => session.Positions.GetAsync(exchange.Name, symbol, ct), cancellationToken).ConfigureAwait(false);
        var net = position?.NetQuantity ?? default;

        // A position beyond what the strategy means to hold (a late order adopted, someone else's trade) halts the symbol now.
        HaltChange? change = null;
        var next = SymbolHaltRules.Next(halt, exchange.Name, symbol, net, null, settings.Strategy.Intent, clock.UtcNow);
        if (next is not null)
        {
            await SaveHaltAsync(next, cancellationToken).ConfigureAwait(false);
            change = new HaltChange(next, next.IsActive);
            halt = next;
        }

        if (halt is { IsActive: true })
        {
            var reason = $"halted ({halt.Reason.ToCode()}): {halt.Detail}";
            await AuditHoldAsync(symbol, $"halted-{halt.Reason.ToCode()}", reason, rate, settings.Actor, cancellationToken).ConfigureAwait(false);
            return new SymbolStep($"hold, {reason}", HaltChange: change);
        }

        if (inFlight)
        {
            await AuditHoldAsync(symbol, "in-flight", "an order is still in flight", rate, settings.Actor, cancellationToken).ConfigureAwait(false);
            return new SymbolStep("hold, an order is still in flight", HaltChange: change);
        }

        var decision = FundingHarvestStrategy.Decide(settings.Strategy, quote.Rate, net);
        if (!decision.Trades)
        {
            var kind = net.IsZero ? "flat" : net.Units < 0 ? "short" : "long";
            await AuditHoldAsync(symbol, kind, decision.Reason, rate, settings.Actor, cancellationToken).ConfigureAwait(false);
            return new SymbolStep(decision.Reason, HaltChange: change);
        }

        if (decision.Closes && _closeRefusals.TryGetValue(symbol, out var refusals) && clock.UtcNow < refusals.NextTry)
        {
            var wait = $"the exchange refused the close {refusals.Refusals} time(s); tried again after {refusals.NextTry:O}";
            await AuditHoldAsync(symbol, "close-backoff", wait, rate, settings.Actor, cancellationToken).ConfigureAwait(false);
            return new SymbolStep($"hold, {wait}", HaltChange: change);
        }

        var intent = new TradingIntent(FundingHarvestSettings.StrategyId, exchange.Name, symbol, slot, decision.Leg);
        var command = new PlaceOrderCommand(intent, decision.Side!.Value, OrderType.Market, decision.Quantity, null, decision.Reason)
        {
            Actor = settings.Actor,
            ReduceOnly = decision.Closes,
            ReferencePrice = quote.MarkPrice,
            FundingRate = rate,
        };
        var outcome = await placeOrder.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case PlaceOrderOutcome.LeaseLost:
                return new SymbolStep("not sent: the ledger lease could not be confirmed", LeaseLost: true, HaltChange: change);
            case PlaceOrderOutcome.NotPlaceable notPlaceable:
                await AuditHoldAsync(symbol, "not-placeable", $"{decision.Reason}; not placed: {notPlaceable.Reason}", rate, settings.Actor, cancellationToken).ConfigureAwait(false);
                return new SymbolStep($"hold, not placeable: {notPlaceable.Reason}", HaltChange: change);
            case PlaceOrderOutcome.AlreadyResolved:
                // The same intent already resolved earlier in this slot: the exchange was not called, nothing was placed.
                return new SymbolStep(decision.Reason, HaltChange: change);
            // Only the exchange's own refusals count: a close that was not sent (its deadline, a rate limit) was not refused.
            case PlaceOrderOutcome.Rejected { NotSent: false } rejected when decision.Closes:
                change = await CloseRefusedAsync(settings, symbol, rejected.Reason, cancellationToken).ConfigureAwait(false) ?? change;
                break;
            case PlaceOrderOutcome.Placed when decision.Closes:
                _closeRefusals.Remove(symbol);
                break;
            default:
                break;
        }

        _lastHold.Remove(symbol);

        // A market order's fills are recorded as soon as the exchange reports it filled: this cycle's fills too.
        return new SymbolStep(decision.Reason, Placed: 1, Fills: outcome is PlaceOrderOutcome.Placed { FillsRecorded: var recorded } ? recorded : 0, HaltChange: change);
    }

    // A refused close is tried again after a wait that doubles with each refusal; refused CloseRefusalsToHalt times in a
    // row, the symbol halts for CloseRefusedHalt (an audit event and the report say why), then the close is tried again.
    private async Task<HaltChange?> CloseRefusedAsync(CycleSettings settings, Symbol symbol, string reason, CancellationToken cancellationToken)
    {
        var refusals = _closeRefusals.TryGetValue(symbol, out var known) ? known.Refusals + 1 : 1;
        var now = clock.UtcNow;
        _closeRefusals[symbol] = (refusals, now + TimeSpan.FromTicks(checked(settings.PollInterval.Ticks * (1L << Math.Min(refusals, 10)))));
        if (refusals < settings.CloseRefusalsToHalt)
        {
            return null;
        }

        _closeRefusals.Remove(symbol);
        var halt = new SymbolHalt(exchange.Name, symbol, HaltReason.CloseRefused, $"the exchange refused the reduce-only close {refusals} times in a row, last: {reason}", now, now + settings.CloseRefusedHalt);
        await SaveHaltAsync(halt, cancellationToken).ConfigureAwait(false);
        return new HaltChange(halt, true);
    }

    private Task<bool> SaveHaltAsync(SymbolHalt halt, CancellationToken cancellationToken)
    {
        var audit = HaltAudit.Of(halt, Guid.CreateVersion7()); // outside the unit of work: a re-run appends the same event
        return ledger.ExecuteAsync(
            async (session, ct) =>
            {
                await session.Halts.SaveAsync(halt, ct).ConfigureAwait(false);
                await session.Audit.AppendAsync(audit, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    private Task AuditFailureAsync(Symbol symbol, string problem, string actor, CancellationToken cancellationToken) =>
        AuditAsync(symbol, $"failed: {problem}", () => AuditEvent.Create(AuditEventType.Error, clock.UtcNow, ("symbol", symbol.Value), ("error", problem), ("actor", actor)), cancellationToken);

    // The rate the decision was made on is in its event: the funding series keeps only a sample of the quotes.
    private Task AuditHoldAsync(Symbol symbol, string kind, string reason, FundingRate rate, string actor, CancellationToken cancellationToken) =>
        AuditAsync(symbol, kind, () => AuditEvent.Create(AuditEventType.Decision, clock.UtcNow, ("symbol", symbol.Value), ("decision", $"hold ({kind})"), ("reason", reason), ("funding_rate_bps", rate.ToBasisPointsString()), ("actor", actor)), cancellationToken);

    private async Task AuditAsync(Symbol symbol, string kind, Func<AuditEvent> make, CancellationToken cancellationToken)
    {
        if (_lastHold.TryGetValue(symbol, out var last) && last == kind)
        {
            return;
        }

        // Made once, outside the unit of work: a re-run after a lost commit answer appends the same event, not a second one.
        var auditEvent = make();
        await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                await session.Audit.AppendAsync(auditEvent, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        _lastHold[symbol] = kind;
    }

    private async Task<(int Fills, int Payments, Dictionary<Symbol, string> Failures)> IngestAsync(CycleSettings settings, CancellationToken cancellationToken)
    {
        var fills = 0;
        var failures = new Dictionary<Symbol, string>();
        foreach (var symbol in settings.Symbols)
        {
            try
            {
                fills += (await ingestTrades.CatchUpAsync(symbol, cancellationToken).ConfigureAwait(false)).Recorded;
            }
            catch (ExchangeException exception)
            {
                failures[symbol] = exception.Message;
            }
        }

        var latestPayment = await ledger.ExecuteAsync((session, ct) => session.FundingPayments.GetLatestPaidAtAsync(exchange.Name, ct), cancellationToken).ConfigureAwait(false);
        IReadOnlyList<FundingPayment> payments;
        try
        {
            payments = await exchange.GetFundingPaymentsAsync(latestPayment is { } p ? p - CursorOverlap : await exchange.ExchangeTimeAtAsync(clock.UtcNow - FirstBackfill, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (ExchangeException exception)
        {
            // Account-wide and only bookkeeping: read again next cycle, trading goes on.
            _lastPaymentFailure = exception.Message;
            return (fills, 0, failures);
        }

        _lastPaymentFailure = null;
        var recorded = 0;
        foreach (var payment in payments)
        {
            if (await recordFundingPayment.ExecuteAsync(payment, cancellationToken).ConfigureAwait(false))
            {
                recorded++;
            }
        }

        return (fills, recorded, failures);
    }
}
