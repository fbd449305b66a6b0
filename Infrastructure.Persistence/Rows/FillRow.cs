namespace TradingBot.Infrastructure.Persistence.Rows;

/// <summary>A row of <c>fills</c>.</summary>
public sealed class FillRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>order_id → orders.id.</summary>
    public Guid? OrderId { get; set; }

    /// <summary>exchange_fill_id, unique.</summary>
    public string ExchangeFillId { get; set; } = "";

    /// <summary>price_quote.</summary>
    public long PriceQuote { get; set; }

    /// <summary>quantity_base.</summary>
    public long QuantityBase { get; set; }

    /// <summary>fee_quote: the fee amount in fee_asset (negative for a rebate).</summary>
    public long FeeQuote { get; set; }

    /// <summary>fee_asset.</summary>
    public string FeeAsset { get; set; } = "";

    /// <summary>filled_at.</summary>
    public DateTimeOffset FilledAt { get; set; }

    /// <summary>position_sequence: the fill's place in its position's replay order.</summary>
    public long PositionSequence { get; set; }

    /// <summary>
    /// realized_pnl_quote (added to the ADR's columns): the trading PnL the fill realized when it was recorded; NULL on a
    /// fill recorded before the ledger kept it, until the worker's start fills it in.
    /// </summary>
    public long? RealizedPnlQuote { get; set; }

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}
