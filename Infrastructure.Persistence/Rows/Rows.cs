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

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}

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

    /// <summary>version: optimistic concurrency token, bumped on every change.</summary>
    public long Version { get; set; }

    /// <summary>updated_at.</summary>
    public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}

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

/// <summary>A row of <c>state_snapshots</c>.</summary>
public sealed class StateSnapshotRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>snapshot: JSON of balances, positions and open orders.</summary>
    public string Snapshot { get; set; } = "{}";

    /// <summary>reconciled_at.</summary>
    public DateTimeOffset ReconciledAt { get; set; }

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}

/// <summary>A row of <c>audit_log</c>.</summary>
public sealed class AuditLogRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>event_type.</summary>
    public string EventType { get; set; } = "";

    /// <summary>event_data: a JSON object of the event's fields.</summary>
    public string EventData { get; set; } = "{}";

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}

/// <summary>A row of <c>symbol_halts</c>: one per exchange and symbol that was ever halted.</summary>
public sealed class SymbolHaltRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>exchange.</summary>
    public string Exchange { get; set; } = "";

    /// <summary>symbol.</summary>
    public string Symbol { get; set; } = "";

    /// <summary>reason: POSITION_DIFFERS, BEYOND_INTENT or CLOSE_REFUSED.</summary>
    public string Reason { get; set; } = "";

    /// <summary>detail: what was seen, in words.</summary>
    public string Detail { get; set; } = "";

    /// <summary>halted_at.</summary>
    public DateTimeOffset HaltedAt { get; set; }

    /// <summary>halted_until: when a CLOSE_REFUSED halt lets the close be tried again.</summary>
    public DateTimeOffset? HaltedUntil { get; set; }

    /// <summary>released_at: when the halt lifted; null while it holds.</summary>
    public DateTimeOffset? ReleasedAt { get; set; }

    /// <summary>version: optimistic concurrency token, bumped on every change.</summary>
    public long Version { get; set; }

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>updated_at.</summary>
    public DateTimeOffset? UpdatedAt { get; set; }
}

/// <summary>
/// A row of <c>ledger_transfers</c>: one copy of a whole ledger, as its source or its target saw it. A source row in
/// state COPIED fences the source (the worker refuses to run on it); a target row records the copy's progress per table,
/// so a copy killed at any moment resumes where it stopped.
/// </summary>
public sealed class LedgerTransferRow
{
    /// <summary>id uuid: the copy's id, the same on both sides.</summary>
    public Guid Id { get; set; }

    /// <summary>role: SOURCE or TARGET.</summary>
    public string Role { get; set; } = "";

    /// <summary>peer: the other ledger's description (never a password).</summary>
    public string Peer { get; set; } = "";

    /// <summary>state: COPYING or COPIED.</summary>
    public string State { get; set; } = "";

    /// <summary>progress: JSON of each table's rows copied and last key (target side).</summary>
    public string Progress { get; set; } = "{}";

    /// <summary>started_at.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>finished_at: when the copy was verified and completed.</summary>
    public DateTimeOffset? FinishedAt { get; set; }
}
