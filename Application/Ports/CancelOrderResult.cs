namespace TradingBot.Application.Ports;

/// <summary>The answer to cancelling an order.</summary>
public abstract record CancelOrderResult
{
    private CancelOrderResult()
    {
    }

    /// <summary>Cancelled, or already closed; the state says which.</summary>
    /// <param name="State">The order's state after the request.</param>
    public sealed record Done(ExchangeOrderState State) : CancelOrderResult;

    /// <summary>The exchange has no such order.</summary>
    public sealed record NotFound : CancelOrderResult;

    /// <summary>The outcome is not known.</summary>
    /// <param name="Reason">What happened.</param>
    public sealed record Unknown(string Reason) : CancelOrderResult;
}
