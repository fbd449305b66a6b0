using TradingBot.Domain.Instruments;
using TradingBot.Domain.Time;

namespace TradingBot.Domain.Reconciliation;

/// <summary>Why a symbol takes no new orders.</summary>
public enum HaltReason
{
    /// <summary>POSITION_DIFFERS: the ledger's position is not the exchange's; lifts when they agree again.</summary>
    PositionDiffers,

    /// <summary>BEYOND_INTENT: the position is outside what the strategy ever means to hold; lifts when it is back inside.</summary>
    BeyondIntent,

    /// <summary>CLOSE_REFUSED: the exchange refused the closing order repeatedly; lifts at <see cref="SymbolHalt.Until"/>, and the close is tried again.</summary>
    CloseRefused,
}

/// <summary>Text codes of <see cref="HaltReason"/>.</summary>
public static class HaltReasons
{
    /// <summary>POSITION_DIFFERS, BEYOND_INTENT or CLOSE_REFUSED.</summary>
    public static string ToCode(this HaltReason reason) => reason switch
    {
        HaltReason.PositionDiffers => "POSITION_DIFFERS",
        HaltReason.BeyondIntent => "BEYOND_INTENT",
        HaltReason.CloseRefused => "CLOSE_REFUSED",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown halt reason"),
    };

    /// <summary>Parses a stored code.</summary>
    public static HaltReason Parse(string? code) => code switch
    {
        "POSITION_DIFFERS" => HaltReason.PositionDiffers,
        "BEYOND_INTENT" => HaltReason.BeyondIntent,
        "CLOSE_REFUSED" => HaltReason.CloseRefused,
        _ => throw new FormatException($"'{code}' is not a halt reason"),
    };
}

/// <summary>
/// A symbol on which the worker places no order: the ledger and the exchange disagree, or the position is not one the
/// strategy means to hold, or the exchange keeps refusing the close. The exchange is the truth; the ledger notices,
/// records and does not trade on a guess. One record per exchange and symbol; <see cref="ReleasedAt"/> is set when
/// the halt lifts.
/// </summary>
public sealed record SymbolHalt
{
    /// <summary>Creates a halt record; times are normalised to UTC microseconds.</summary>
    public SymbolHalt(ExchangeName exchange, Symbol symbol, HaltReason reason, string detail, DateTimeOffset haltedAt, DateTimeOffset? until = null, DateTimeOffset? releasedAt = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(detail);
        Exchange = exchange;
        Symbol = symbol;
        Reason = reason;
        Detail = detail;
        HaltedAt = LedgerTime.Normalize(haltedAt);
        Until = until is { } u ? LedgerTime.Normalize(u) : null;
        ReleasedAt = releasedAt is { } r ? LedgerTime.Normalize(r) : null;
    }

    /// <summary>The exchange.</summary>
    public ExchangeName Exchange { get; }

    /// <summary>The halted symbol.</summary>
    public Symbol Symbol { get; }

    /// <summary>Why.</summary>
    public HaltReason Reason { get; }

    /// <summary>What was seen, in words (positions, the exchange's refusal).</summary>
    public string Detail { get; }

    /// <summary>When the halt began (UTC).</summary>
    public DateTimeOffset HaltedAt { get; }

    /// <summary>For <see cref="HaltReason.CloseRefused"/>: when the close may be tried again.</summary>
    public DateTimeOffset? Until { get; }

    /// <summary>When the halt lifted; null while it holds.</summary>
    public DateTimeOffset? ReleasedAt { get; }

    /// <summary>True while the symbol takes no new orders.</summary>
    public bool IsActive => ReleasedAt is null;

    /// <summary>This halt, lifted at <paramref name="now"/>.</summary>
    public SymbolHalt Release(DateTimeOffset now) => new(Exchange, Symbol, Reason, Detail, HaltedAt, Until, now);
}
