using TradingBot.Application.Funding;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Trading;

/// <summary>What the worker trades and how often.</summary>
/// <param name="Symbols">The symbols traded.</param>
/// <param name="PollInterval">The time between cycles; decisions are keyed by this slot.</param>
/// <param name="Strategy">The funding-rate harvest's settings.</param>
/// <param name="Actor">Who runs the cycle (host and process), recorded with each decision.</param>
public sealed record CycleSettings(IReadOnlyList<Symbol> Symbols, TimeSpan PollInterval, FundingHarvestSettings Strategy, string Actor);

/// <summary>What one cycle did.</summary>
/// <param name="PendingResolved">PENDING orders resolved from the exchange's answer.</param>
/// <param name="FillsRecorded">New fills recorded.</param>
/// <param name="FundingPaymentsRecorded">New funding payments recorded.</param>
/// <param name="OrdersPlaced">Orders placed (accepted, rejected or unknown).</param>
/// <param name="Decisions">What was decided per symbol.</param>
public sealed record CycleReport(int PendingResolved, int FillsRecorded, int FundingPaymentsRecorded, int OrdersPlaced, IReadOnlyList<string> Decisions);

/// <summary>
/// One cycle of the worker, in the order that keeps the ledger true: resolve PENDING orders first, ingest new
/// trades as fills and new funding payments, take a funding snapshot per symbol, let the strategy decide,
/// and place orders intent first. A symbol with an order still in flight (PENDING, OPEN or PARTIALLY_FILLED)
/// gets no new decision. Every decision is audited: an order's with its intent, a hold when it differs from
/// the symbol's previous hold. <see cref="RecoverAsync"/> is the startup part: resolve every PENDING order and
/// backfill trades and funding payments since the last recorded ones.
/// </summary>
public sealed class TradingCycle(
    IUnitOfWork ledger,
    IExchange exchange,
    IClock clock,
    ResolvePendingOrders resolvePending,
    IngestTrades ingestTrades,
    RecordFundingPayment recordFundingPayment,
    RecordFundingSnapshot recordFundingSnapshot,
    PlaceOrder placeOrder)
{
    // Cursors step back this far in exchange time: re-reading is free (fills and payments are deduplicated), missing is not.
    private static readonly TimeSpan CursorOverlap = TimeSpan.FromHours(1);
    private static readonly TimeSpan FirstBackfill = TimeSpan.FromDays(7);

    // The last hold audited per symbol: a hold is a decision too, but only a change of it is worth a row.
    private readonly Dictionary<Symbol, string> _lastHold = [];

    /// <summary>Startup recovery: resolve every PENDING order, then backfill trades and funding payments.</summary>
    public async Task<CycleReport> RecoverAsync(CycleSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var resolution = await resolvePending.ExecuteAsync(null, cancellationToken).ConfigureAwait(false);
        var (fills, payments) = await IngestAsync(settings, cancellationToken).ConfigureAwait(false);
        return new CycleReport(resolution.Resolved.Count + resolution.Rejected.Count, fills, payments, 0, []);
    }

    /// <summary>Runs one cycle.</summary>
    public async Task<CycleReport> RunAsync(CycleSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var resolution = await resolvePending.ExecuteAsync(null, cancellationToken).ConfigureAwait(false);
        var (fills, payments) = await IngestAsync(settings, cancellationToken).ConfigureAwait(false);

        var inFlight = await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var pending = await session.Orders.GetPendingOrdersAsync(ct).ConfigureAwait(false);
                var open = await session.Orders.GetOpenOrdersAsync(ct).ConfigureAwait(false);
                return pending.Concat(open).Where(o => o.Exchange == exchange.Name).Select(o => o.Symbol).ToHashSet();
            },
            cancellationToken).ConfigureAwait(false);

        var placed = 0;
        var decisions = new List<string>();
        var slot = SlotOf(clock.UtcNow, settings.PollInterval);
        foreach (var symbol in settings.Symbols)
        {
            var quote = await exchange.GetFundingQuoteAsync(symbol, cancellationToken).ConfigureAwait(false);
            await recordFundingSnapshot.ExecuteAsync(
                new FundingSnapshot(exchange.Name, symbol, quote.Rate, quote.MarkPrice, quote.IndexPrice, quote.Time), cancellationToken).ConfigureAwait(false);

            if (inFlight.Contains(symbol))
            {
                decisions.Add($"{symbol}: hold, an order is still in flight");
                await AuditHoldAsync(symbol, "in-flight", "an order is still in flight", settings.Actor, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var position = await ledger.ExecuteAsync((session, ct) => session.Positions.GetAsync(exchange.Name, symbol, ct), cancellationToken).ConfigureAwait(false);
            var net = position?.NetQuantity ?? default;
            var decision = FundingHarvestStrategy.Decide(settings.Strategy, quote.Rate, net);
            decisions.Add($"{symbol}: {decision.Reason}");
            if (!decision.Trades)
            {
                var kind = net.IsZero ? "flat" : net.Units < 0 ? "short" : "long";
                await AuditHoldAsync(symbol, kind, decision.Reason, settings.Actor, cancellationToken).ConfigureAwait(false);
                continue;
            }

            _lastHold.Remove(symbol);

            var intent = new TradingIntent(FundingHarvestSettings.StrategyId, exchange.Name, symbol, slot, decision.Leg);
            var outcome = await placeOrder.ExecuteAsync(
                new PlaceOrderCommand(intent, decision.Side!.Value, OrderType.Market, decision.Quantity, null, decision.Reason) { Actor = settings.Actor },
                cancellationToken).ConfigureAwait(false);

            // The same intent already resolved earlier in this slot: the exchange was not called, nothing was placed.
            if (outcome is not PlaceOrderOutcome.AlreadyResolved)
            {
                placed++;
            }

            // A market order's fills are recorded as soon as the exchange reports it filled: this cycle's fills too.
            if (outcome is PlaceOrderOutcome.Placed { FillsRecorded: var recorded })
            {
                fills += recorded;
            }
        }

        return new CycleReport(resolution.Resolved.Count + resolution.Rejected.Count, fills, payments, placed, decisions);
    }

    /// <summary>The start of the poll slot containing <paramref name="now"/>: the decision's time in its intent.</summary>
    public static DateTimeOffset SlotOf(DateTimeOffset now, TimeSpan pollInterval)
    {
        var ticks = Math.Max(TimeSpan.TicksPerMillisecond, pollInterval.Ticks);
        var utc = now.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % ticks), TimeSpan.Zero);
    }

    private async Task AuditHoldAsync(Symbol symbol, string kind, string reason, string actor, CancellationToken cancellationToken)
    {
        if (_lastHold.TryGetValue(symbol, out var last) && last == kind)
        {
            return;
        }

        // Made once, outside the unit of work: a re-run after a lost commit answer appends the same event, not a second one.
        var decision = AuditEvent.Create(AuditEventType.Decision, clock.UtcNow, ("symbol", symbol.Value), ("decision", $"hold ({kind})"), ("reason", reason), ("actor", actor));
        await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                await session.Audit.AppendAsync(decision, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        _lastHold[symbol] = kind;
    }

    private async Task<(int Fills, int Payments)> IngestAsync(CycleSettings settings, CancellationToken cancellationToken)
    {
        var fills = 0;
        foreach (var symbol in settings.Symbols)
        {
            var latest = await ledger.ExecuteAsync((session, ct) => session.Fills.GetLatestFillTimeAsync(exchange.Name, symbol, ct), cancellationToken).ConfigureAwait(false);
            var ingestion = await ingestTrades.ExecuteAsync(symbol, latest is { } t ? t - CursorOverlap : clock.UtcNow - FirstBackfill, cancellationToken).ConfigureAwait(false);
            fills += ingestion.Recorded;
        }

        var latestPayment = await ledger.ExecuteAsync((session, ct) => session.FundingPayments.GetLatestPaidAtAsync(exchange.Name, ct), cancellationToken).ConfigureAwait(false);
        var payments = await exchange.GetFundingPaymentsAsync(latestPayment is { } p ? p - CursorOverlap : clock.UtcNow - FirstBackfill, cancellationToken).ConfigureAwait(false);
        var recorded = 0;
        foreach (var payment in payments)
        {
            if (await recordFundingPayment.ExecuteAsync(payment, cancellationToken).ConfigureAwait(false))
            {
                recorded++;
            }
        }

        return (fills, recorded);
    }
}
