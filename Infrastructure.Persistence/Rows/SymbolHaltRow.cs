namespace TradingBot.Infrastructure.Persistence.Rows;

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
