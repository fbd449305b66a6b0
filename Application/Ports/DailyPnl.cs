using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Ports;

/// <summary>Realized results of one symbol on one UTC day (or what one fill or payment adds to them).</summary>
/// <param name="Day">The UTC day: a fill's by its filled_at, a payment's by its paid_at.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="TradingPnl">Trading PnL realized by that day's fills.</param>
/// <param name="Fees">Fees paid in the quote asset on that day's fills (negative when rebates exceed them).</param>
/// <param name="Funding">Funding received (negative: paid) in the quote asset on that day.</param>
public sealed record DailyPnl(DateOnly Day, Symbol Symbol, Amount TradingPnl, Amount Fees, Amount Funding)
{
    /// <summary>Trading PnL + funding − fees.</summary>
    public Amount Net => TradingPnl + Funding - Fees;

    /// <summary>This day's amounts with <paramref name="other"/>'s added (same day and symbol).</summary>
    public DailyPnl Plus(DailyPnl other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with { TradingPnl = TradingPnl + other.TradingPnl, Fees = Fees + other.Fees, Funding = Funding + other.Funding };
    }

    /// <summary>The UTC day of <paramref name="time"/>.</summary>
    public static DateOnly DayOf(DateTimeOffset time) => DateOnly.FromDateTime(time.UtcDateTime);
}
