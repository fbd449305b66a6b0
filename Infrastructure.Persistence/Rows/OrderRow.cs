namespace TradingBot.Infrastructure.Persistence.Rows;

// Persistence rows: the shape of the tables, mapped to and from Domain objects by RowMapping.
// Amount columns are the ledger's 1e-8 integers.
/// <summary>A row of <c>orders</c>.</summary>
public sealed class OrderRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>exchange.</summary>
    public string Exchange { get; set; } = "";

    /// <summary>symbol.</summary>
    public string Symbol { get; set; } = "";

    /// <summary>side: BUY or SELL.</summary>
    public string Side { get; set; } = "";

    /// <summary>type: MARKET, LIMIT, IOC or FOK.</summary>
    public string Type { get; set; } = "";

    /// <summary>quantity_base, 1e-8 of the base asset.</summary>
    public long QuantityBase { get; set; }

    /// <summary>price_quote, 1e-8 of the quote asset; null for MARKET.</summary>
    public long? PriceQuote { get; set; }

    /// <summary>status.</summary>
    public string Status { get; set; } = "";

    /// <summary>exchange_order_id, once known.</summary>
    public string? ExchangeOrderId { get; set; }

    /// <summary>idempotency_key.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>filled_quantity_base: the sum of the order's fills.</summary>
    public long FilledQuantityBase { get; set; }

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>updated_at.</summary>
    public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>send_deadline: no request for the intent is sent after this (null: not kept).</summary>
    public DateTimeOffset? SendDeadline { get; set; }

    /// <summary>never_placed_after: not shown at the exchange after this, the order was never placed (null: not kept).</summary>
    public DateTimeOffset? NeverPlacedAfter { get; set; }
}
