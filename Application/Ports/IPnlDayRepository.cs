using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Ports;

/// <summary>
/// Realized results per exchange, symbol and UTC day. Every recorded fill and funding payment adds to its day in the
/// same transaction as the position, so a report over the whole history reads one row per symbol and day, not every fill.
/// </summary>
public interface IPnlDayRepository
{
    /// <summary>
    /// Adds <paramref name="change"/>'s amounts to its day's row of <paramref name="exchange"/> (a day without one starts
    /// at zero), as part of the unit of work: an addition, so units that touch the same day never overwrite each other.
    /// </summary>
    Task AddAsync(ExchangeName exchange, DailyPnl change, CancellationToken cancellationToken);

    /// <summary>The days of <paramref name="exchange"/> in [<paramref name="from"/>, <paramref name="until"/>), by day then symbol.</summary>
    Task<IReadOnlyList<DailyPnl>> GetRangeAsync(ExchangeName exchange, DateOnly from, DateOnly until, CancellationToken cancellationToken);
}
