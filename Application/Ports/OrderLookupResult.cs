namespace TradingBot.Application.Ports;

/// <summary>The answer to looking an order up by its client order id.</summary>
public abstract record OrderLookupResult
{
    private OrderLookupResult()
    {
    }

    /// <summary>The exchange has it.</summary>
    /// <param name="State">Its state.</param>
    public sealed record Found(ExchangeOrderState State) : OrderLookupResult;

    /// <summary>
    /// The exchange shows no order with this client order id now. Right after a lost answer that does not prove it was
    /// never placed (Binance's query service can lag its matching engine): see <c>OrderTiming.NeverPlacedAfter</c>.
    /// </summary>
    public sealed record NotFound : OrderLookupResult;

    /// <summary>The exchange could not answer.</summary>
    /// <param name="Reason">What happened.</param>
    public sealed record Unknown(string Reason) : OrderLookupResult;
}
