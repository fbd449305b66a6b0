namespace TradingBot.Application.Ports;

/// <summary>The answer to placing an order. Only <see cref="Rejected"/> means no order exists.</summary>
public abstract record PlaceOrderResult
{
    private PlaceOrderResult()
    {
    }

    /// <summary>The exchange has the order (including when it already had this client order id).</summary>
    /// <param name="State">The order as the exchange reports it.</param>
    public sealed record Accepted(ExchangeOrderState State) : PlaceOrderResult;

    /// <summary>The exchange definitely refused it, or it was never sent: no order exists.</summary>
    /// <param name="Reason">The exchange's reason.</param>
    public sealed record Rejected(string Reason) : PlaceOrderResult
    {
        /// <summary>True when the request never reached the exchange's decision (not sent, rate-limited): nothing was refused.</summary>
        public bool NotSent { get; init; }
    }

    /// <summary>The outcome is not known (timeout, lost connection, 5xx): the order may or may not exist.</summary>
    /// <param name="Reason">What happened.</param>
    public sealed record Unknown(string Reason) : PlaceOrderResult;
}
