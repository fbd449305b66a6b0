using TradingBot.Application.Ports;
using TradingBot.Application.Telemetry;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;

namespace TradingBot.Application.Orders;

/// <summary>What recording a fill came to.</summary>
public enum RecordFillStatus
{
    /// <summary>Fill, order status, position and audit event were written in one transaction.</summary>
    Recorded,

    /// <summary>The exchange fill id was already recorded: nothing was written.</summary>
    Duplicate,

    /// <summary>The fill names an order the ledger does not have: nothing was written.</summary>
    UnknownOrder,

    /// <summary>The fill would over-fill its order: nothing was written.</summary>
    Refused,
}

/// <summary>The outcome of <see cref="RecordFill"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="OrderStatus">The order's status afterwards (null for an unknown order).</param>
/// <param name="RealizedPnl">The trading PnL this fill realized (zero unless recorded).</param>
public sealed record RecordFillResult(RecordFillStatus Status, OrderStatus? OrderStatus, Amount RealizedPnl)
{
    /// <summary>True when the fill's order was REJECTED (judged never placed) and this fill corrected that judgement.</summary>
    public bool CorrectedRejection { get; init; }

    /// <summary>True when the fill's order is one the ledger did not place, recorded as an external order.</summary>
    public bool External { get; init; }
}

/// <summary>
/// Records one execution atomically: the fill (a known exchange fill id is a no-op), the order's status,
/// the position and a FILL audit event are one transaction — all of them or none. A fill of an order the ledger
/// judged never placed (REJECTED) is recorded all the same, and the order's status follows it: the exchange is the
/// truth, and the correction is audited. A trade of an order the ledger did not place is recorded as an external
/// order of its own (<see cref="ExecuteExternalAsync(ExchangeName, ExchangeTrade, CancellationToken)"/>), so the ledger's position stays the exchange's.
/// </summary>
public sealed class RecordFill(IUnitOfWork ledger, IClock clock, TradingBotMetrics? metrics = null)
{
    private readonly TradingBotMetrics _metrics = metrics ?? TradingBotMetrics.Shared;

    /// <summary>Runs the use case.</summary>
    public async Task<RecordFillResult> ExecuteAsync(Fill fill, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fill);
        return Counted(await ledger.ExecuteAsync((session, ct) => RecordAsync(session, fill, ct), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Records <paramref name="trade"/>, a trade on <paramref name="exchange"/> of an order the ledger did not place
    /// (a liquidation, an auto-deleverage, a close in the web app, another program), once by its fill id: its external
    /// order (keyed <see cref="IdempotencyKey.External"/>, MARKET or LIMIT), the fill, the position and the audit events
    /// in one transaction. The external order's quantity is what the exchange executed of it.
    /// </summary>
    public Task<RecordFillResult> ExecuteExternalAsync(ExchangeName exchange, ExchangeTrade trade, CancellationToken cancellationToken) =>
        ExecuteExternalAsync(exchange, trade, null, cancellationToken);

    /// <summary>
    /// As <see cref="ExecuteExternalAsync(ExchangeName, ExchangeTrade, CancellationToken)"/>, appending <paramref name="alsoAudit"/>
    /// (made by the caller before the unit) in the same transaction when the trade is recorded.
    /// </summary>
    public async Task<RecordFillResult> ExecuteExternalAsync(ExchangeName exchange, ExchangeTrade trade, AuditEvent? alsoAudit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var key = IdempotencyKey.External(exchange, trade.Symbol, trade.ExchangeOrderId);
        var type = ExternalType(trade);
        var candidate = Order.CreateExternal(
            OrderId.New(), exchange, trade.Symbol, trade.Side, type, trade.Quantity,
            type == OrderType.Market ? null : trade.OrderPrice ?? trade.Price, trade.ExchangeOrderId, clock.UtcNow);

        // Made once, outside the unit of work: a re-run after a lost commit answer appends the same event, not a second one.
        var recorded = AuditEvent.Create(
            AuditEventType.Reconciliation,
            clock.UtcNow,
            ("event", "external order recorded: a trade of an order this ledger did not place"),
            ("idempotency_key", key.Value),
            ("exchange_order_id", candidate.ExchangeOrderId ?? string.Empty),
            ("client_order_id", trade.ClientOrderId ?? string.Empty),
            ("original_type", trade.OrderKind ?? "unknown"),
            ("symbol", trade.Symbol.Value),
            ("side", trade.Side.ToCode()));

        return Counted(await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                if (await session.Fills.ContainsAsync(trade.ExchangeFillId, ct).ConfigureAwait(false))
                {
                    return new RecordFillResult(RecordFillStatus.Duplicate, null, Amount.Zero) { External = true };
                }

                var order = await session.Orders.FindByIdempotencyKeyAsync(key, ct).ConfigureAwait(false);
                if (order is null)
                {
                    order = (await session.Orders.CreateAsync(candidate, ct).ConfigureAwait(false)).Order;
                    await session.Audit.AppendAsync(recorded, ct).ConfigureAwait(false);
                }

                var fill = new Fill(trade.ExchangeFillId, order.Id, trade.Price, trade.Quantity, trade.Fee, trade.Time);
                var result = await RecordAsync(session, fill, ct).ConfigureAwait(false) with { External = true };
                if (alsoAudit is not null && result.Status == RecordFillStatus.Recorded)
                {
                    await session.Audit.AppendAsync(alsoAudit, ct).ConfigureAwait(false);
                }

                return result;
            },
            cancellationToken).ConfigureAwait(false));
    }

    // Counted once committed: a unit of work re-run after a lost commit answer does not count twice.
    private RecordFillResult Counted(RecordFillResult result)
    {
        if (result.Status == RecordFillStatus.Recorded)
        {
            _metrics.FillRecorded(result.External);
        }

        return result;
    }

    // MARKET for the exchange's market kinds (MARKET, STOP_MARKET, TAKE_PROFIT_MARKET, TRAILING_STOP_MARKET) and when the
    // kind is not known; LIMIT for the others (Binance's liquidation orders are LIMIT IOC).
    private static OrderType ExternalType(ExchangeTrade trade) =>
        trade.OrderKind is { } kind && !kind.EndsWith("MARKET", StringComparison.Ordinal) ? OrderType.Limit : OrderType.Market;

    private async Task<RecordFillResult> RecordAsync(ILedgerSession session, Fill fill, CancellationToken ct)
    {
        var target = await session.Fills.FindTargetAsync(fill, ct).ConfigureAwait(false);
        if (target is null)
        {
            return new RecordFillResult(RecordFillStatus.UnknownOrder, null, Amount.Zero);
        }

        var order = target.Order;
        if (target.AlreadyRecorded)
        {
            return new RecordFillResult(RecordFillStatus.Duplicate, order.Status, Amount.Zero);
        }

        var now = clock.UtcNow;
        var statusBefore = order.Status;
        var application = order.ApplyFill(fill, now);
        if (application != FillApplication.Applied)
        {
            var status = application == FillApplication.Duplicate ? RecordFillStatus.Duplicate : RecordFillStatus.Refused;
            return new RecordFillResult(status, order.Status, Amount.Zero);
        }

        var position = target.Position ?? Position.Flat(order.Exchange, order.Symbol);
        var sequence = position.FillCount + 1;
        var feesBefore = position.FeesPaid;
        var realized = position.ApplyFill(order.Side, fill);
        if (!await session.Fills.TryAddAsync(fill, sequence, realized, ct).ConfigureAwait(false))
        {
            return new RecordFillResult(RecordFillStatus.Duplicate, statusBefore, Amount.Zero);
        }

        await session.Orders.UpdateAsync(order, ct).ConfigureAwait(false);
        await session.Positions.SaveAsync(position, ct).ConfigureAwait(false);
        await session.PnlDays.AddAsync(
            order.Exchange, new DailyPnl(DailyPnl.DayOf(fill.FilledAt), order.Symbol, realized, position.FeesPaid - feesBefore, Amount.Zero), ct).ConfigureAwait(false);
        if (order.Status != statusBefore)
        {
            await session.Audit.AppendAsync(OrderAudit.Transition(order, statusBefore, now, ExchangeOrderSync.Why(statusBefore, $"fill {fill.ExchangeFillId}")), ct).ConfigureAwait(false);
        }

        await session.Audit.AppendAsync(
            AuditEvent.Create(
                AuditEventType.Fill,
                now,
                ("exchange_fill_id", fill.ExchangeFillId.Value),
                ("order_id", order.Id.ToString()),
                ("symbol", order.Symbol.Value),
                ("side", order.Side.ToCode()),
                ("price", fill.Price.ToString()),
                ("quantity", fill.Quantity.ToString()),
                ("fee", fill.Fee.ToString()),
                ("realized_pnl", realized.ToString()),
                ("position", position.NetQuantity.ToString())),
            ct).ConfigureAwait(false);
        return new RecordFillResult(RecordFillStatus.Recorded, order.Status, realized) { CorrectedRejection = statusBefore == OrderStatus.Rejected };
    }
}
