using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Time;

namespace TradingBot.Domain.Orders;

/// <summary>
/// When an intent may be sent until, and when, if the exchange still does not show it, it is judged never placed; both
/// fixed when the intent is written (the writer's settings and clock) and kept with it.
/// </summary>
/// <param name="SendBy">No request for the intent is sent after this.</param>
/// <param name="NeverPlacedAfter">Not shown at the exchange after this, the order was never placed.</param>
public readonly record struct OrderDeadlines(DateTimeOffset SendBy, DateTimeOffset NeverPlacedAfter);

/// <summary>What applying a fill to an order did.</summary>
public enum FillApplication
{
    /// <summary>The fill was applied; the filled quantity and the status changed accordingly.</summary>
    Applied,

    /// <summary>The order already had this exchange fill id: nothing changed.</summary>
    Duplicate,

    /// <summary>The fill would take the filled quantity past the order's quantity: refused, nothing changed.</summary>
    OverFillRefused,
}

/// <summary>
/// The order aggregate. Its status follows the explicit table in <see cref="OrderStatusRules"/>; fills
/// derive it from the filled quantity, an over-fill is refused and a known fill id is a no-op. A fill the
/// exchange made is never refused for a status the ledger guessed: a REJECTED order that turns out to have
/// executed takes its fills. An external order (one the ledger did not place, <see cref="IsExternal"/>) is a
/// record of what the exchange executed: its quantity grows with its fills.
/// </summary>
public sealed class Order
{
    private readonly HashSet<ExchangeFillId> _appliedFillIds;

    private Order(
        OrderId id,
        ExchangeName exchange,
        Symbol symbol,
        Side side,
        OrderType type,
        Quantity quantity,
        Price? limitPrice,
        IdempotencyKey idempotencyKey,
        OrderStatus status,
        string? exchangeOrderId,
        Quantity filledQuantity,
        DateTimeOffset createdAt,
        DateTimeOffset updatedAt,
        IEnumerable<ExchangeFillId> appliedFillIds,
        OrderDeadlines? deadlines = null)
    {
        if (quantity.IsZero)
        {
            throw new ArgumentException("an order's quantity must be greater than zero", nameof(quantity));
        }

        if (type == OrderType.Market && limitPrice is not null)
        {
            throw new ArgumentException("a MARKET order has no limit price", nameof(limitPrice));
        }

        if (type != OrderType.Market && limitPrice is null)
        {
            throw new ArgumentException($"a {type.ToCode()} order needs a limit price", nameof(limitPrice));
        }

        if (filledQuantity > quantity)
        {
            throw new ArgumentException("an order cannot be filled beyond its quantity", nameof(filledQuantity));
        }

        if (exchangeOrderId is { Length: 0 })
        {
            throw new ArgumentException("an exchange order id, when known, cannot be empty", nameof(exchangeOrderId));
        }

        Id = id;
        Exchange = exchange;
        Symbol = symbol;
        Side = side;
        Type = type;
        Quantity = quantity;
        LimitPrice = limitPrice;
        IdempotencyKey = idempotencyKey;
        Status = status;
        ExchangeOrderId = exchangeOrderId;
        FilledQuantity = filledQuantity;
        CreatedAt = LedgerTime.Normalize(createdAt);
        UpdatedAt = LedgerTime.Normalize(updatedAt);
        Deadlines = deadlines is { } d ? new OrderDeadlines(LedgerTime.Normalize(d.SendBy), LedgerTime.Normalize(d.NeverPlacedAfter)) : null;
        _appliedFillIds = [.. appliedFillIds];
    }

    /// <summary>The ledger's id.</summary>
    public OrderId Id { get; }

    /// <summary>Where it is traded.</summary>
    public ExchangeName Exchange { get; }

    /// <summary>What is traded.</summary>
    public Symbol Symbol { get; }

    /// <summary>BUY or SELL.</summary>
    public Side Side { get; }

    /// <summary>MARKET, LIMIT, IOC or FOK.</summary>
    public OrderType Type { get; }

    /// <summary>The ordered base quantity (for an external order: what the exchange has executed of it so far).</summary>
    public Quantity Quantity { get; private set; }

    /// <summary>The limit price; null for MARKET orders.</summary>
    public Price? LimitPrice { get; }

    /// <summary>The key derived from the intent, sent to the exchange as the client order id.</summary>
    public IdempotencyKey IdempotencyKey { get; }

    /// <summary>The current status.</summary>
    public OrderStatus Status { get; private set; }

    /// <summary>
    /// The exchange's id once it is known, qualified with the exchange and symbol
    /// (<see cref="ExchangeOrderIds.Qualify"/>): exchanges such as Binance keep order ids unique per symbol only.
    /// </summary>
    public string? ExchangeOrderId { get; private set; }

    /// <summary>True for an order the ledger did not place (a liquidation, a trade in the web app, another program).</summary>
    public bool IsExternal => IdempotencyKey.IsExternal;

    /// <summary>The sum of the fills applied.</summary>
    public Quantity FilledQuantity { get; private set; }

    /// <summary>What is left to fill.</summary>
    public Quantity RemainingQuantity => Quantity - FilledQuantity;

    /// <summary>When the intent was written (UTC).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>When the order last changed (UTC).</summary>
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>
    /// The intent's deadlines, written with it (null for an external order, or one written before deadlines were kept):
    /// every worker judges the order by these, whatever its own settings.
    /// </summary>
    public OrderDeadlines? Deadlines { get; }

    /// <summary>A new PENDING order: the intent, written before the exchange is called.</summary>
    public static Order CreatePending(
        OrderId id,
        ExchangeName exchange,
        Symbol symbol,
        Side side,
        OrderType type,
        Quantity quantity,
        Price? limitPrice,
        IdempotencyKey idempotencyKey,
        DateTimeOffset now,
        OrderDeadlines? deadlines = null) =>
        new(id, exchange, symbol, side, type, quantity, limitPrice, idempotencyKey, OrderStatus.Pending, null, Quantity.Zero, now, now, [], deadlines);

    /// <summary>
    /// An order the ledger did not place, recorded from its first execution: OPEN with the exchange's (raw) id, keyed
    /// <see cref="IdempotencyKey.External"/>, for <paramref name="quantity"/> (what is known to have executed).
    /// </summary>
    public static Order CreateExternal(
        OrderId id,
        ExchangeName exchange,
        Symbol symbol,
        Side side,
        OrderType type,
        Quantity quantity,
        Price? limitPrice,
        string exchangeOrderId,
        DateTimeOffset now) =>
        new(
            id, exchange, symbol, side, type, quantity, limitPrice, IdempotencyKey.External(exchange, symbol, exchangeOrderId),
            OrderStatus.Open, ExchangeOrderIds.Qualify(exchange, symbol, exchangeOrderId), Quantity.Zero, now, now, []);

    /// <summary>Rebuilds an order from storage, checking the same invariants as creation.</summary>
    public static Order Rehydrate(
        OrderId id,
        ExchangeName exchange,
        Symbol symbol,
        Side side,
        OrderType type,
        Quantity quantity,
        Price? limitPrice,
        IdempotencyKey idempotencyKey,
        OrderStatus status,
        string? exchangeOrderId,
        Quantity filledQuantity,
        DateTimeOffset createdAt,
        DateTimeOffset updatedAt,
        IEnumerable<ExchangeFillId>? appliedFillIds = null,
        OrderDeadlines? deadlines = null) =>
        new(id, exchange, symbol, side, type, quantity, limitPrice, idempotencyKey, status, exchangeOrderId, filledQuantity, createdAt, updatedAt, appliedFillIds ?? [], deadlines);

    /// <summary>
    /// Moves to <paramref name="target"/> if the transition table allows it. Staying in the same status is
    /// allowed and changes nothing. Returns false, changing nothing, for an illegal transition.
    /// </summary>
    public bool TryTransitionTo(OrderStatus target, DateTimeOffset now)
    {
        if (target == Status)
        {
            return true;
        }

        if (!OrderStatusRules.CanTransition(Status, target))
        {
            return false;
        }

        // A fill-derived status must agree with the filled quantity.
        if ((target == OrderStatus.Filled && FilledQuantity != Quantity) ||
            (target == OrderStatus.PartiallyFilled && (FilledQuantity.IsZero || FilledQuantity == Quantity)) ||
            (target == OrderStatus.Open && !FilledQuantity.IsZero) ||
            (target == OrderStatus.Rejected && !FilledQuantity.IsZero))
        {
            return false;
        }

        Status = target;
        UpdatedAt = LedgerTime.Normalize(now);
        return true;
    }

    /// <summary>Like <see cref="TryTransitionTo"/> but an illegal transition throws.</summary>
    public void TransitionTo(OrderStatus target, DateTimeOffset now)
    {
        if (!TryTransitionTo(target, now))
        {
            throw new InvalidOperationException(
                $"order {IdempotencyKey} cannot go from {Status.ToCode()} to {target.ToCode()} (filled {FilledQuantity} of {Quantity})");
        }
    }

    /// <summary>Records the exchange's id (as the exchange reports it; stored qualified); once known it cannot change.</summary>
    public void AssignExchangeOrderId(string exchangeOrderId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(exchangeOrderId);
        var qualified = ExchangeOrderIds.Qualify(Exchange, Symbol, exchangeOrderId);
        if (ExchangeOrderId == qualified)
        {
            return;
        }

        if (ExchangeOrderId is not null)
        {
            throw new InvalidOperationException(
                $"order {IdempotencyKey} already has exchange id {ExchangeOrderId}; refusing {qualified}");
        }

        ExchangeOrderId = qualified;
        UpdatedAt = LedgerTime.Normalize(now);
    }

    /// <summary>
    /// Applies a fill: the filled quantity grows and the status becomes PARTIALLY_FILLED or FILLED (a
    /// CANCELLED order keeps its status: a late fill of a cancelled order is still recorded). A REJECTED order
    /// takes the fill too: the exchange executed it, so the ledger's "never placed" was wrong. An external order's
    /// quantity grows to cover the fill.
    /// </summary>
    public FillApplication ApplyFill(Fill fill, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(fill);
        if (fill.OrderId != Id)
        {
            throw new ArgumentException($"fill {fill.ExchangeFillId} belongs to order {fill.OrderId}, not {Id}", nameof(fill));
        }

        if (_appliedFillIds.Contains(fill.ExchangeFillId))
        {
            return FillApplication.Duplicate;
        }

        if (fill.Quantity > RemainingQuantity)
        {
            if (!IsExternal)
            {
                return FillApplication.OverFillRefused;
            }

            Quantity = FilledQuantity + fill.Quantity;
        }

        FilledQuantity += fill.Quantity;
        _appliedFillIds.Add(fill.ExchangeFillId);
        if (Status != OrderStatus.Cancelled)
        {
            Status = FilledQuantity == Quantity ? OrderStatus.Filled : OrderStatus.PartiallyFilled;
        }

        UpdatedAt = LedgerTime.Normalize(now);
        return FillApplication.Applied;
    }
}
