using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Ports;

/// <summary>One of the account's executions as the exchange reports it.</summary>
/// <param name="ExchangeFillId">An id unique across exchanges and symbols.</param>
/// <param name="ExchangeOrderId">The exchange's order id.</param>
/// <param name="ClientOrderId">The client order id, when the exchange reports it.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Side">BUY or SELL.</param>
/// <param name="Price">The execution price.</param>
/// <param name="Quantity">The executed quantity.</param>
/// <param name="Fee">The fee as charged (any asset; negative is a rebate).</param>
/// <param name="Time">When it executed.</param>
public sealed record ExchangeTrade(
    ExchangeFillId ExchangeFillId,
    string ExchangeOrderId,
    string? ClientOrderId,
    Symbol Symbol,
    Side Side,
    Price Price,
    Quantity Quantity,
    Money Fee,
    DateTimeOffset Time)
{
    /// <summary>The exchange's name of the trade's order type (MARKET, LIMIT, STOP_MARKET...), when the adapter knows it.</summary>
    public string? OrderKind { get; init; }

    /// <summary>The limit price of the trade's order, when it has one and the adapter knows it.</summary>
    public Price? OrderPrice { get; init; }
}
