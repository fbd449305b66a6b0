using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Orders;

/// <summary>A strategy's decision to trade.</summary>
/// <param name="Intent">What was decided; its idempotency key identifies the order.</param>
/// <param name="Side">BUY or SELL.</param>
/// <param name="Type">The order type.</param>
/// <param name="Quantity">The base quantity.</param>
/// <param name="LimitPrice">The limit price; null for MARKET.</param>
/// <param name="Reason">Why the strategy decided it, for the audit log.</param>
public sealed record PlaceOrderCommand(TradingIntent Intent, Side Side, OrderType Type, Quantity Quantity, Price? LimitPrice, string Reason)
{
    /// <summary>Who decided (e.g. the worker's host and process id), recorded in the DECISION event when set.</summary>
    public string? Actor { get; init; }
}

/// <summary>What placing an order came to.</summary>
public abstract record PlaceOrderOutcome(Order Order)
{
    /// <summary>The exchange has the order; the ledger records it OPEN (or FILLED once its fills are in).</summary>
    /// <param name="Order">The ledger's order.</param>
    /// <param name="FillsRecorded">New fills recorded right after the exchange reported the order (partly) filled.</param>
    public sealed record Placed(Order Order, int FillsRecorded = 0) : PlaceOrderOutcome(Order);

    /// <summary>This intent was already resolved earlier; the exchange was not called again.</summary>
    /// <param name="Order">The ledger's order.</param>
    public sealed record AlreadyResolved(Order Order) : PlaceOrderOutcome(Order);

    /// <summary>The exchange definitely refused it; the ledger records it REJECTED.</summary>
    /// <param name="Order">The ledger's order.</param>
    /// <param name="Reason">The exchange's reason.</param>
    public sealed record Rejected(Order Order, string Reason) : PlaceOrderOutcome(Order);

    /// <summary>The outcome is unknown; the order stays PENDING until it is resolved by its key.</summary>
    /// <param name="Order">The ledger's order.</param>
    /// <param name="Reason">What happened.</param>
    public sealed record Unknown(Order Order, string Reason) : PlaceOrderOutcome(Order);
}

/// <summary>
/// Places an order intent first: the PENDING order and its DECISION event are committed before the
/// exchange is called with the intent's idempotency key as client order id. A retry of the same intent
/// finds that order: a resolved one is returned as it is, a PENDING one is first looked up at the
/// exchange by its key and sent again only if the exchange never saw it, so no intent makes two orders.
/// </summary>
public sealed class PlaceOrder(IUnitOfWork ledger, IExchange exchange, IClock clock, IngestTrades ingestTrades)
{
    /// <summary>Runs the use case.</summary>
    public async Task<PlaceOrderOutcome> ExecuteAsync(PlaceOrderCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Intent.Exchange != exchange.Name)
        {
            throw new ArgumentException($"the intent is for exchange {command.Intent.Exchange}, but this ledger trades on {exchange.Name}", nameof(command));
        }

        var key = IdempotencyKey.For(command.Intent);
        var candidate = Order.CreatePending(
            OrderId.New(), command.Intent.Exchange, command.Intent.Symbol, command.Side, command.Type,
            command.Quantity, command.LimitPrice, key, clock.UtcNow);

        var creation = await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var created = await session.Orders.CreateAsync(candidate, ct).ConfigureAwait(false);
                if (created.Created)
                {
                    await session.Audit.AppendAsync(
                        AuditEvent.Create(
                            AuditEventType.Decision,
                            clock.UtcNow,
                            ("idempotency_key", key.Value),
                            ("strategy", command.Intent.StrategyId),
                            ("symbol", command.Intent.Symbol.Value),
                            ("leg", command.Intent.Leg),
                            ("side", command.Side.ToCode()),
                            ("type", command.Type.ToCode()),
                            ("quantity", command.Quantity.ToString()),
                            ("reason", command.Reason),
                            ("actor", command.Actor ?? string.Empty)),
                        ct).ConfigureAwait(false);
                }

                return created;
            },
            cancellationToken).ConfigureAwait(false);

        var order = creation.Order;
        if (order.Status != OrderStatus.Pending)
        {
            return new PlaceOrderOutcome.AlreadyResolved(order);
        }

        // The stored order is the one this call made when its unit of work committed but the answer was lost and the
        // unit ran again (it then finds its own intent, not created anew): no earlier call can have sent it.
        var ours = creation.Created || order.Id == candidate.Id;
        if (!ours)
        {
            // An earlier attempt wrote the intent; it may or may not have reached the exchange.
            var lookup = await exchange.GetOrderAsync(order.Symbol, key, cancellationToken).ConfigureAwait(false);
            switch (lookup)
            {
                case OrderLookupResult.Found found:
                    return await RecordAcceptedAsync(order, found.State, cancellationToken).ConfigureAwait(false);
                case OrderLookupResult.Unknown unknown:
                    return new PlaceOrderOutcome.Unknown(order, unknown.Reason);
                default:
                    break; // never seen: sending it now is the retry of the same intent, under the same key
            }
        }

        PlaceOrderResult result;
        try
        {
            result = await exchange.PlaceOrderAsync(
                new OrderRequest(key, order.Symbol, order.Side, order.Type, order.Quantity, order.LimitPrice),
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
            PlaceOrderResult.Rejected rejected => await RecordRejectedAsync(order, rejected.Reason, cancellationToken).ConfigureAwait(false),
            PlaceOrderResult.Unknown unknown => await RecordUnknownAsync(order, unknown.Reason, cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException($"unexpected place-order result {result}"),
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
            // Record the executions now, so a filled market order is FILLED in the ledger right away.
            fills = (await ingestTrades.ExecuteAsync(order.Symbol, order.CreatedAt.AddMinutes(-1), cancellationToken).ConfigureAwait(false)).Recorded;
            order = await ledger.ExecuteAsync((session, ct) => session.Orders.FindByIdAsync(order.Id, ct), cancellationToken).ConfigureAwait(false) ?? order;
        }

        return new PlaceOrderOutcome.Placed(order, fills);
    }

    private async Task<PlaceOrderOutcome> RecordRejectedAsync(Order pending, string reason, CancellationToken cancellationToken)
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
        return new PlaceOrderOutcome.Rejected(order, reason);
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
