namespace TradingBot.Infrastructure.Persistence.Rows;

/// <summary>A row of <c>positions</c>: the current position per exchange and symbol.</summary>
public sealed class PositionRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>exchange.</summary>
    public string Exchange { get; set; } = "";

    /// <summary>symbol.</summary>
    public string Symbol { get; set; } = "";

    /// <summary>net_quantity_base, signed.</summary>
    public long NetQuantityBase { get; set; }

    /// <summary>entry_notional_quote: the cost of the open lot.</summary>
    public long EntryNotionalQuote { get; set; }

    /// <summary>realized_pnl_quote.</summary>
    public long RealizedPnlQuote { get; set; }

    /// <summary>fees_paid_quote.</summary>
    public long FeesPaidQuote { get; set; }

    /// <summary>funding_quote: funding received (negative: paid).</summary>
    public long FundingQuote { get; set; }

    /// <summary>fill_count.</summary>
    public long FillCount { get; set; }

    /// <summary>last_filled_at: the exchange time of its latest fill; NULL with no fill, or stored before the ledger kept it.</summary>
    public DateTimeOffset? LastFilledAt { get; set; }

    /// <summary>version: optimistic concurrency token, bumped on every change.</summary>
    public long Version { get; set; }

    /// <summary>updated_at.</summary>
    public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}
