using TradingBot.Application.Ports;
using TradingBot.Application.Telemetry;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Orders;

/// <summary>A strategy's decision to trade.</summary>
/// <param name="Intent">What was decided; its idempotency key identifies the order.</param>
/// <param name="Side">BUY or SELL.</param>
/// <param name="Type">The order type.</param>
/// <param name="Quantity">The base quantity, before it is rounded to the symbol's step.</param>
/// <param name="LimitPrice">The limit price; null for MARKET.</param>
/// <param name="Reason">Why the strategy decided it, for the audit log.</param>
public sealed record PlaceOrderCommand(TradingIntent Intent, Side Side, OrderType Type, Quantity Quantity, Price? LimitPrice, string Reason)
{
    /// <summary>Who decided (e.g. the worker's host and process id), recorded in the DECISION event when set.</summary>
    public string? Actor { get; init; }

    /// <summary>True for an order that may only reduce the position: a close, which can then never open one.</summary>
    public bool ReduceOnly { get; init; }

    /// <summary>The price that values a MARKET order's notional against the symbol's minimum (the mark price); null: not checked.</summary>
    public Price? ReferencePrice { get; init; }

    /// <summary>The funding rate the strategy decided on, recorded in the DECISION event when set.</summary>
    public FundingRate? FundingRate { get; init; }
}

/// <summary>What placing an order came to.</summary>
public abstract record PlaceOrderOutcome
{
    private PlaceOrderOutcome()
    {
    }

    /// <summary>The ledger's order, when the intent was written.</summary>
    public abstract Order? Order { get; }

    /// <summary>The exchange has the order; the ledger records it OPEN (or FILLED once its fills are in).</summary>
    /// <param name="Order">The ledger's order.</param>
    /// <param name="FillsRecorded">New fills recorded right after the exchange reported the order (partly) filled.</param>
    public sealed record Placed(Order Order, int FillsRecorded = 0) : PlaceOrderOutcome
    {
        /// <inheritdoc />
        public override Order Order { get; } = Order;
    }

    /// <summary>This intent was already resolved earlier; the exchange was not called again.</summary>
    /// <param name="Order">The ledger's order.</param>
    public sealed record AlreadyResolved(Order Order) : PlaceOrderOutcome
    {
        /// <inheritdoc />
        public override Order Order { get; } = Order;
    }

    /// <summary>The exchange definitely refused it (or it provably never left this host); the ledger records it REJECTED.</summary>
    /// <param name="Order">The ledger's order.</param>
    /// <param name="Reason">The exchange's reason.</param>
    public sealed record Rejected(Order Order, string Reason) : PlaceOrderOutcome
    {
        /// <inheritdoc />
        public override Order Order { get; } = Order;

        /// <summary>True when it never reached the exchange's decision (not sent, rate-limited): the exchange refused nothing.</summary>
        public bool NotSent { get; init; }
    }

    /// <summary>
    /// The outcome is unknown, or the intent was written by an earlier attempt that may have sent it, or its send
    /// deadline passed: the order stays PENDING until it is resolved by its key (<see cref="ResolvePendingOrders"/>).
    /// </summary>
    /// <param name="Order">The ledger's order.</param>
    /// <param name="Reason">What happened.</param>
    public sealed record Unknown(Order Order, string Reason) : PlaceOrderOutcome
    {
        /// <inheritdoc />
        public override Order Order { get; } = Order;
    }

    /// <summary>
    /// This worker could not confirm its ledger lease right before sending: nothing was sent, the order stays PENDING
    /// for the lease's next holder to resolve after its deadline, and this worker must stop deciding.
    /// </summary>
    /// <param name="Order">The ledger's order.</param>
    public sealed record LeaseLost(Order Order) : PlaceOrderOutcome
    {
        /// <inheritdoc />
        public override Order Order { get; } = Order;
    }

    /// <summary>The symbol's rules refuse the order (quantity or notional too small): nothing was written or sent.</summary>
    /// <param name="Reason">Which rule, with the numbers.</param>
    public sealed record NotPlaceable(string Reason) : PlaceOrderOutcome
    {
        /// <inheritdoc />
        public override Order? Order => null;
    }
}

/// <summary>
/// Places an order intent first: the order is rounded to the symbol's rules, then the PENDING order and its DECISION
/// event are committed, then the exchange is called with the intent's idempotency key as client order id. A key is
/// sent at most once, by the call that wrote its intent, and only before its send deadline (<see cref="OrderTiming"/>)
/// and while this worker holds the ledger lease. A retry of the same intent finds the order: a resolved one is
/// returned as it is; a PENDING one is looked up at the exchange by its key and otherwise left to
/// <see cref="ResolvePendingOrders"/>, never sent again (Binance keeps client order ids unique among open orders only,
/// so a second send of a filled order's key would be a second order).
/// </summary>
public sealed class PlaceOrder(IUnitOfWork ledger, IExchange exchange, IClock clock, IngestTrades ingestTrades, ILedgerLease lease, OrderTiming timing, TradingBotMetrics? metrics = null)
{
    private readonly TradingBotMetrics _metrics = metrics ?? TradingBotMetrics.Shared;

    /// <summary>Runs the use case. An <see cref="ExchangeException"/> means the symbol's rules could not be read: nothing was written.</summary>
    public async Task<PlaceOrderOutcome> ExecuteAsync(PlaceOrderCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var activity = TradingBotMetrics.ActivitySource.StartActivity("TradingBot.PlaceOrder");
        activity?.SetTag("tradingbot.symbol", command.Intent.Symbol.Value).SetTag("tradingbot.side", command.Side.ToString());
        var outcome = await PlaceAsync(command, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case PlaceOrderOutcome.Placed:
                _metrics.OrderPlaced(command.Intent.Symbol);
                break;
            case PlaceOrderOutcome.Rejected:
                _metrics.OrderRejected(command.Intent.Symbol);
                break;
            case PlaceOrderOutcome.Unknown:
                _metrics.OrderUnknown(command.Intent.Symbol);
                break;
            default:
                break;
        }

        activity?.SetTag("tradingbot.outcome", outcome.GetType().Name);
        return outcome;
    }

    private async Task<PlaceOrderOutcome> PlaceAsync(PlaceOrderCommand command, CancellationToken cancellationToken)
    {
        if (command.Intent.Exchange != exchange.Name)
        {
            throw new ArgumentException($"the intent is for exchange {command.Intent.Exchange}, but this ledger trades on {exchange.Name}", nameof(command));
        }

        var key = IdempotencyKey.For(command.Intent);

        // An intent already written holds what was (or may have been) sent: it is never sized or sent again.
        var written = await ledger.ExecuteAsync((session, ct) => session.Orders.FindByIdempotencyKeyAsync(key, ct), cancellationToken).ConfigureAwait(false);
        if (written is not null)
        {
            return await EarlierAttemptAsync(written, cancellationToken).ConfigureAwait(false);
        }

        var rules = await exchange.GetInstrumentAsync(command.Intent.Symbol, cancellationToken).ConfigureAwait(false);
        var sized = OrderSizing.Size(
            rules, command.Type, command.Side, command.Quantity, command.LimitPrice, command.ReferencePrice, command.ReduceOnly);
        if (!sized.Sendable)
        {
            return new PlaceOrderOutcome.NotPlaceable(sized.Problem!);
        }

        var now = clock.UtcNow;
        var candidate = Order.CreatePending(
            OrderId.New(), command.Intent.Exchange, command.Intent.Symbol, command.Side, command.Type,
            sized.Quantity, sized.LimitPrice, key, now, timing.For(now, exchange.RequestValidity));
        (string, string)[] observed = command.FundingRate is { } rate ? [("funding_rate_bps", rate.ToBasisPointsString())] : [];
        var decision = AuditEvent.Create(
            AuditEventType.Decision,
            clock.UtcNow,
            [
                ("idempotency_key", key.Value),
                ("strategy", command.Intent.StrategyId),
                ("symbol", command.Intent.Symbol.Value),
                ("leg", command.Intent.Leg),
                ("side", command.Side.ToCode()),
                ("type", command.Type.ToCode()),
                ("quantity", sized.Quantity.ToString()),
                ("requested_quantity", command.Quantity.ToString()),
                ("reduce_only", command.ReduceOnly ? "true" : "false"),
                ("reason", command.Reason),
                .. observed,
                ("actor", command.Actor ?? string.Empty),
            ]);

        var creation = await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var created = await session.Orders.CreateAsync(candidate, ct).ConfigureAwait(false);
                if (created.Created)
                {
                    await session.Audit.AppendAsync(decision, ct).ConfigureAwait(false);
                }

                return created;
            },
            cancellationToken).ConfigureAwait(false);

        // The stored order is this call's when its unit committed but the answer was lost and the unit ran again (it then
        // finds its own intent, not created anew). Any other order under the key was written, and maybe sent, by another attempt.
        var order = creation.Order;
        if (!creation.Created && order.Id != candidate.Id)
        {
            return await EarlierAttemptAsync(order, cancellationToken).ConfigureAwait(false);
        }

        var deadline = timing.SendDeadline(order);
        if (clock.UtcNow > deadline)
        {
            return await RecordUnknownAsync(order, $"not sent: its send deadline {deadline:O} passed before it could be sent", cancellationToken).ConfigureAwait(false);
        }

        if (!await lease.IsHeldAsync(cancellationToken).ConfigureAwait(false))
        {
            return new PlaceOrderOutcome.LeaseLost(order);
        }

        PlaceOrderResult result;
        try
        {
            result = await exchange.PlaceOrderAsync(
                new OrderRequest(key, order.Symbol, order.Side, order.Type, order.Quantity, order.LimitPrice) { ReduceOnly = command.ReduceOnly, SendDeadline = deadline },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever went wrong (a timeout included), the request may have reached the exchange: the order stays PENDING.
            result = new PlaceOrderResult.Unknown($"{exception.GetType().Name}: {exception.Message}");
        }

        return result switch
        {
            PlaceOrderResult.Accepted accepted => await RecordAcceptedAsync(order, accepted.State, cancellationToken).ConfigureAwait(false),
            PlaceOrderResult.Rejected rejected => await RecordRejectedAsync(order, rejected.Reason, rejected.NotSent, cancellationToken).ConfigureAwait(false),
            PlaceOrderResult.Unknown unknown => await RecordUnknownAsync(order, unknown.Reason, cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException($"unexpected place-order result {result}"),
        };
    }

    // An earlier attempt wrote the intent and may have sent it: it is looked up, never sent again.
    private async Task<PlaceOrderOutcome> EarlierAttemptAsync(Order order, CancellationToken cancellationToken)
    {
        if (order.Status != OrderStatus.Pending)
        {
            return new PlaceOrderOutcome.AlreadyResolved(order);
        }

        var lookup = await exchange.GetOrderAsync(order.Symbol, order.IdempotencyKey, cancellationToken).ConfigureAwait(false);
        return lookup switch
        {
            OrderLookupResult.Found found => await RecordAcceptedAsync(order, found.State, cancellationToken).ConfigureAwait(false),
            OrderLookupResult.Unknown unknown => new PlaceOrderOutcome.Unknown(order, unknown.Reason),
            _ => new PlaceOrderOutcome.Unknown(order, "an earlier attempt wrote this intent and may have sent it; it is not sent again and is resolved by its key"),
        };
    }

    private async Task<PlaceOrderOutcome> RecordAcceptedAsync(Order pending, ExchangeOrderState state, CancellationToken cancellationToken)
    {
        var auditId = Guid.CreateVersion7(); // outside the unit of work: a re-run after a lost commit answer appends no second event
        var order = await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var current = await session.Orders.FindByIdAsync(pending.Id, ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"order {pending.IdempotencyKey} vanished from the ledger");
                var before = ExchangeOrderSync.Apply(current, state, clock.UtcNow);
                await session.Orders.UpdateAsync(current, ct).ConfigureAwait(false);
                await session.Audit.AppendAsync(
                    OrderAudit.Transition(current, before, clock.UtcNow, "accepted by the exchange", auditId), ct).ConfigureAwait(false);
                return current;
            },
            cancellationToken).ConfigureAwait(false);

        var fills = 0;
        if (!state.FilledQuantity.IsZero)
        {
            // Record the executions now, so a filled market order is FILLED in the ledger right away: the symbol's trades
            // from its cursor, or from a minute before the exchange's own time of the order if that is earlier (the fill
            // moves the cursor, so other orders' trades since it are read now too). Trade times are the exchange's clock;
            // the paper exchange's runs ahead of this host's, so a window from the ledger's time of the order held the
            // symbol's whole history, read again after every order.
            var from = state.UpdatedAt > DateTimeOffset.MinValue + TimeSpan.FromMinutes(1) ? state.UpdatedAt - TimeSpan.FromMinutes(1) : DateTimeOffset.MinValue;
            fills = (await ingestTrades.CatchUpAsync(order.Symbol, from, cancellationToken).ConfigureAwait(false)).Recorded;
            order = await ledger.ExecuteAsync((session, ct) => session.Orders.FindByIdAsync(order.Id, ct), cancellationToken).ConfigureAwait(false) ?? order;
        }

        return new PlaceOrderOutcome.Placed(order, fills);
    }

    private async Task<PlaceOrderOutcome> RecordRejectedAsync(Order pending, string reason, bool notSent, CancellationToken cancellationToken)
    {
        var auditId = Guid.CreateVersion7(); // outside the unit of work: a re-run after a lost commit answer appends no second event
        var order = await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var current = await session.Orders.FindByIdAsync(pending.Id, ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"order {pending.IdempotencyKey} vanished from the ledger");
                var before = current.Status;
                current.TransitionTo(OrderStatus.Rejected, clock.UtcNow);
                await session.Orders.UpdateAsync(current, ct).ConfigureAwait(false);
                await session.Audit.AppendAsync(OrderAudit.Transition(current, before, clock.UtcNow, reason, auditId), ct).ConfigureAwait(false);
                return current;
            },
            cancellationToken).ConfigureAwait(false);
        return new PlaceOrderOutcome.Rejected(order, reason) { NotSent = notSent };
    }

    private async Task<PlaceOrderOutcome> RecordUnknownAsync(Order pending, string reason, CancellationToken cancellationToken)
    {
        // Made once, outside the unit of work: a re-run after a lost commit answer appends the same event, not a second one.
        var error = AuditEvent.Create(
            AuditEventType.Error,
            clock.UtcNow,
            ("idempotency_key", pending.IdempotencyKey.Value),
            ("error", "order outcome unknown; left PENDING until resolved by its key"),
            ("reason", reason));
        await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                await session.Audit.AppendAsync(error, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return new PlaceOrderOutcome.Unknown(pending, reason);
    }
}

/// <summary>Audit events about orders.</summary>
internal static class OrderAudit
{
    /// <param name="order">The order after the transition.</param>
    /// <param name="before">Its status before.</param>
    /// <param name="now">When.</param>
    /// <param name="reason">Why.</param>
    /// <param name="id">
    /// The event's id when the caller chose it before its unit of work (so that a re-run after a lost commit answer
    /// appends the same event, not a second one); otherwise a fresh one.
    /// </param>
    public static AuditEvent Transition(Order order, OrderStatus before, DateTimeOffset now, string reason, Guid? id = null) =>
        AuditEvent.Create(
            id ?? Guid.CreateVersion7(),
            AuditEventType.StateTransition,
            now,
            ("order_id", order.Id.ToString()),
            ("idempotency_key", order.IdempotencyKey.Value),
            ("exchange_order_id", order.ExchangeOrderId ?? string.Empty),
            ("from", before.ToCode()),
            ("to", order.Status.ToCode()),
            ("reason", reason));
}
