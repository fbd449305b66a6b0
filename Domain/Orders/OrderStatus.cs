namespace TradingBot.Domain.Orders;

/// <summary>The six order statuses of the ledger.</summary>
public enum OrderStatus
{
    /// <summary>Intent written, the exchange's answer not known yet.</summary>
    Pending,

    /// <summary>Accepted by the exchange, nothing filled.</summary>
    Open,

    /// <summary>Some but not all of the quantity filled.</summary>
    PartiallyFilled,

    /// <summary>The whole quantity filled (terminal).</summary>
    Filled,

    /// <summary>Cancelled or expired at the exchange (terminal; late fills are still recorded).</summary>
    Cancelled,

    /// <summary>
    /// Refused by the exchange, or judged never placed. Terminal for the ledger's own decisions; only the exchange can
    /// reopen it, by showing the order (OPEN or CANCELLED) or its fills: the judgement is then corrected.
    /// </summary>
    Rejected,
}

/// <summary>The explicit transition table, and the text codes stored in the ledger.</summary>
public static class OrderStatusRules
{
    private static readonly Dictionary<OrderStatus, OrderStatus[]> Allowed = new()
    {
        [OrderStatus.Pending] = [OrderStatus.Open, OrderStatus.PartiallyFilled, OrderStatus.Filled, OrderStatus.Cancelled, OrderStatus.Rejected],
        [OrderStatus.Open] = [OrderStatus.PartiallyFilled, OrderStatus.Filled, OrderStatus.Cancelled],
        [OrderStatus.PartiallyFilled] = [OrderStatus.Filled, OrderStatus.Cancelled],
        [OrderStatus.Filled] = [],
        [OrderStatus.Cancelled] = [],
        [OrderStatus.Rejected] = [OrderStatus.Open, OrderStatus.Cancelled],
    };

    /// <summary>True when <paramref name="from"/> may become <paramref name="to"/>; staying put is not a transition.</summary>
    public static bool CanTransition(OrderStatus from, OrderStatus to) => Allowed[from].Contains(to);

    /// <summary>True for FILLED, CANCELLED and REJECTED: nothing the ledger does moves them on.</summary>
    public static bool IsTerminal(this OrderStatus status) => status is OrderStatus.Filled or OrderStatus.Cancelled or OrderStatus.Rejected;

    /// <summary>True for OPEN and PARTIALLY_FILLED: live at the exchange.</summary>
    public static bool IsOpen(this OrderStatus status) => status is OrderStatus.Open or OrderStatus.PartiallyFilled;

    /// <summary>PENDING, OPEN, PARTIALLY_FILLED, FILLED, CANCELLED or REJECTED.</summary>
    public static string ToCode(this OrderStatus status) => status switch
    {
        OrderStatus.Pending => "PENDING",
        OrderStatus.Open => "OPEN",
        OrderStatus.PartiallyFilled => "PARTIALLY_FILLED",
        OrderStatus.Filled => "FILLED",
        OrderStatus.Cancelled => "CANCELLED",
        OrderStatus.Rejected => "REJECTED",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown order status"),
    };

    /// <summary>Parses a stored status code.</summary>
    public static OrderStatus Parse(string? code) => code switch
    {
        "PENDING" => OrderStatus.Pending,
        "OPEN" => OrderStatus.Open,
        "PARTIALLY_FILLED" => OrderStatus.PartiallyFilled,
        "FILLED" => OrderStatus.Filled,
        "CANCELLED" => OrderStatus.Cancelled,
        "REJECTED" => OrderStatus.Rejected,
        _ => throw new FormatException($"'{code}' is not an order status"),
    };
}
