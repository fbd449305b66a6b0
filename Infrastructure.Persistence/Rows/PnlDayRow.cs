namespace TradingBot.Infrastructure.Persistence.Rows;

/// <summary>
/// A row of <c>pnl_days</c>: what one symbol realized on one UTC day, added to by every fill and funding payment in the
/// transaction that records it (not in the ADR: the per-day report reads it instead of every fill).
/// </summary>
public sealed class PnlDayRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>exchange.</summary>
    public string Exchange { get; set; } = "";

    /// <summary>symbol.</summary>
    public string Symbol { get; set; } = "";

    /// <summary>utc_day: the day's start, 00:00 UTC; unique with exchange and symbol.</summary>
    public DateTimeOffset UtcDay { get; set; }

    /// <summary>trading_pnl_quote: trading PnL realized by the day's fills.</summary>
    public long TradingPnlQuote { get; set; }

    /// <summary>fees_paid_quote: fees paid in the quote asset on the day's fills.</summary>
    public long FeesPaidQuote { get; set; }

    /// <summary>funding_quote: funding received (negative: paid) in the quote asset on the day.</summary>
    public long FundingQuote { get; set; }
}
