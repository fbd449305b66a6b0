namespace TradingBot.Infrastructure.Persistence.Rows;

/// <summary>A row of <c>funding_snapshots</c>.</summary>
public sealed class FundingSnapshotRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>exchange.</summary>
    public string Exchange { get; set; } = "";

    /// <summary>symbol.</summary>
    public string Symbol { get; set; } = "";

    /// <summary>funding_rate_bps: the rate in 1e-8 (basis points × 10,000; 0.00038246 → 38246).</summary>
    public long FundingRateBps { get; set; }

    /// <summary>mark_price_quote.</summary>
    public long MarkPriceQuote { get; set; }

    /// <summary>index_price_quote.</summary>
    public long IndexPriceQuote { get; set; }

    /// <summary>snapshot_at.</summary>
    public DateTimeOffset SnapshotAt { get; set; }

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}
