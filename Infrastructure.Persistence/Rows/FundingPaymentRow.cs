namespace TradingBot.Infrastructure.Persistence.Rows;

/// <summary>A row of <c>funding_payments</c>.</summary>
public sealed class FundingPaymentRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>exchange.</summary>
    public string Exchange { get; set; } = "";

    /// <summary>symbol.</summary>
    public string Symbol { get; set; } = "";

    /// <summary>exchange_payment_id, unique.</summary>
    public string ExchangePaymentId { get; set; } = "";

    /// <summary>amount_quote: signed, positive received.</summary>
    public long AmountQuote { get; set; }

    /// <summary>asset.</summary>
    public string Asset { get; set; } = "";

    /// <summary>paid_at.</summary>
    public DateTimeOffset PaidAt { get; set; }

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}
