using TradingBot.Domain.Orders;

namespace TradingBot.Application.Orders;

/// <summary>
/// The deadlines around sending an order, fixed when its intent is written and stored with it
/// (<see cref="OrderDeadlines"/>), so every worker of a ledger, a standby or a restarted one with other settings,
/// reaches the same verdict from ledger data alone:
/// <list type="bullet">
/// <item><description>no request for an intent is sent after <see cref="SendDeadline"/> (created_at + <see cref="MaxSendDelay"/>);</description></item>
/// <item><description>a PENDING order the exchange does not show is judged "never placed" only after
/// <see cref="NeverPlacedAfter"/>: the send deadline, plus how long the exchange may still execute a request sent by
/// then (Binance: recvWindow), plus <see cref="VisibilityMargin"/> for its query service to catch up with its matching
/// engine. Until then the order stays PENDING and its symbol takes no new decision.</description></item>
/// </list>
/// The hosts of a ledger's workers must keep their clocks within the margin of each other (NTP).
/// </summary>
/// <param name="MaxSendDelay">How long after its intent is written an order may still be sent (Exchange:MaxSendDelay).</param>
/// <param name="VisibilityMargin">How long an order sent in time may take to show at the exchange (Exchange:VisibilityMargin).</param>
public sealed record OrderTiming(TimeSpan MaxSendDelay, TimeSpan VisibilityMargin)
{
    /// <summary>10 s to send, 30 s to show.</summary>
    public static OrderTiming Default { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));

    /// <summary>The deadlines of an intent written at <paramref name="createdAt"/>, kept with it in the ledger.</summary>
    public OrderDeadlines For(DateTimeOffset createdAt, TimeSpan requestValidity) =>
        new(createdAt + MaxSendDelay, createdAt + MaxSendDelay + requestValidity + VisibilityMargin);

    /// <summary>The latest moment the order's request may be sent: the one written with it, else computed from its created_at.</summary>
    public DateTimeOffset SendDeadline(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order.Deadlines?.SendBy ?? order.CreatedAt + MaxSendDelay;
    }

    /// <summary>
    /// The moment after which an order the exchange does not show was never placed: the one written with the intent, else
    /// (an order written before deadlines were kept) computed from its created_at, for an exchange that may execute a
    /// request up to <paramref name="requestValidity"/> after it was sent.
    /// </summary>
    public DateTimeOffset NeverPlacedAfter(Order order, TimeSpan requestValidity)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order.Deadlines?.NeverPlacedAfter ?? order.CreatedAt + MaxSendDelay + requestValidity + VisibilityMargin;
    }

    /// <summary>The settings' problems, one message each (empty when valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxSendDelay <= TimeSpan.Zero || MaxSendDelay > TimeSpan.FromMinutes(5))
        {
            problems.Add($"Exchange:MaxSendDelay is {MaxSendDelay}; it must be more than zero and at most 00:05:00 (default 00:00:10)");
        }

        if (VisibilityMargin <= TimeSpan.Zero || VisibilityMargin > TimeSpan.FromHours(1))
        {
            problems.Add($"Exchange:VisibilityMargin is {VisibilityMargin}; it must be more than zero and at most 01:00:00 (default 00:00:30)");
        }

        return problems;
    }
}
