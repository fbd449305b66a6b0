using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Ports;

/// <summary>What the ledger asks the exchange to do; <paramref name="ClientOrderId"/> is the idempotency key.</summary>
/// <param name="ClientOrderId">The ledger's idempotency key, sent as the client order id.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Side">BUY or SELL.</param>
/// <param name="Type">The order type.</param>
/// <param name="Quantity">The quantity.</param>
/// <param name="LimitPrice">The limit price; null for MARKET.</param>
public sealed record OrderRequest(IdempotencyKey ClientOrderId, Symbol Symbol, Side Side, OrderType Type, Quantity Quantity, Price? LimitPrice)
{
    /// <summary>True for an order that may only reduce the position (Binance <c>reduceOnly=true</c>): a close can never open.</summary>
    public bool ReduceOnly { get; init; }

    /// <summary>
    /// The latest moment (this host's clock) at which the request may be signed and sent; past it, the adapter does not
    /// send it and answers <see cref="PlaceOrderResult.Rejected"/> ("not sent"). Null: no deadline.
    /// </summary>
    public DateTimeOffset? SendDeadline { get; init; }
}
