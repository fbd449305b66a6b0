namespace TradingBot.Domain.Instruments;

/// <summary>Order side; stored as BUY / SELL.</summary>
public enum Side
{
    /// <summary>BUY: increases a long or reduces a short.</summary>
    Buy,

    /// <summary>SELL: increases a short or reduces a long.</summary>
    Sell,
}

/// <summary>Order type; stored as MARKET / LIMIT / IOC / FOK.</summary>
public enum OrderType
{
    /// <summary>MARKET: no price, fills at the book.</summary>
    Market,

    /// <summary>LIMIT: good till cancelled at a limit price.</summary>
    Limit,

    /// <summary>IOC: limit price, immediate or cancel.</summary>
    Ioc,

    /// <summary>FOK: limit price, fill or kill.</summary>
    Fok,
}

/// <summary>The ledger's text codes for its enumerations (the values the ADR's CHECK constraints allow).</summary>
public static class LedgerCodes
{
    /// <summary>BUY or SELL.</summary>
    public static string ToCode(this Side side) => side switch
    {
        Side.Buy => "BUY",
        Side.Sell => "SELL",
        _ => throw new ArgumentOutOfRangeException(nameof(side), side, "unknown side"),
    };

    /// <summary>MARKET, LIMIT, IOC or FOK.</summary>
    public static string ToCode(this OrderType type) => type switch
    {
        OrderType.Market => "MARKET",
        OrderType.Limit => "LIMIT",
        OrderType.Ioc => "IOC",
        OrderType.Fok => "FOK",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown order type"),
    };

    /// <summary>Parses BUY or SELL.</summary>
    public static Side ParseSide(string? code) => code switch
    {
        "BUY" => Side.Buy,
        "SELL" => Side.Sell,
        _ => throw new FormatException($"'{code}' is not a side; expected BUY or SELL"),
    };

    /// <summary>Parses MARKET, LIMIT, IOC or FOK.</summary>
    public static OrderType ParseOrderType(string? code) => code switch
    {
        "MARKET" => OrderType.Market,
        "LIMIT" => OrderType.Limit,
        "IOC" => OrderType.Ioc,
        "FOK" => OrderType.Fok,
        _ => throw new FormatException($"'{code}' is not an order type; expected MARKET, LIMIT, IOC or FOK"),
    };

    /// <summary>The side that reduces a position opened with <paramref name="side"/>.</summary>
    public static Side Opposite(this Side side) => side == Side.Buy ? Side.Sell : Side.Buy;

    /// <summary>+1 for BUY, -1 for SELL.</summary>
    public static int Sign(this Side side) => side == Side.Buy ? 1 : -1;
}
