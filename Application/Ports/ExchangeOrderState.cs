using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Ports;

/// <summary>An order as the exchange knows it, in the ledger's terms.</summary>
/// <param name="ExchangeOrderId">The exchange's id.</param>
/// <param name="ClientOrderId">The client order id.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Side">BUY or SELL.</param>
/// <param name="Type">The order type.</param>
/// <param name="Quantity">The ordered quantity.</param>
/// <param name="LimitPrice">The limit price; null for MARKET.</param>
/// <param name="FilledQuantity">How much has executed.</param>
/// <param name="Status">OPEN, PARTIALLY_FILLED, FILLED, CANCELLED (also for expired) or REJECTED.</param>
/// <param name="UpdatedAt">When the exchange last changed it.</param>
public sealed record ExchangeOrderState(
    string ExchangeOrderId,
    string ClientOrderId,
    Symbol Symbol,
    Side Side,
    OrderType Type,
    Quantity Quantity,
    Price? LimitPrice,
    Quantity FilledQuantity,
    OrderStatus Status,
    DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// The exchange's own name of the order's type (STOP_MARKET, TAKE_PROFIT, TRAILING_STOP_MARKET...); <see cref="Type"/>
    /// is its nearest ledger type (MARKET for the *_MARKET kinds, LIMIT otherwise).
    /// </summary>
    public string NativeType { get; init; } = Type.ToCode();

    /// <summary>True for a reduce-only order.</summary>
    public bool ReduceOnly { get; init; }
}
