using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Ports;

/// <summary>The funding rate time series.</summary>
public interface IFundingSnapshotRepository
{
    /// <summary>
    /// Appends one observation, once by its id: the same snapshot appended again (a unit of work re-run after a lost
    /// commit answer) is not stored twice; an equal observation with another id is.
    /// </summary>
    Task AppendAsync(FundingSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Observations with <paramref name="fromTime"/> ≤ time &lt; <paramref name="untilTime"/>, newest first.</summary>
    Task<IReadOnlyList<FundingSnapshot>> GetRangeAsync(ExchangeName exchange, Symbol symbol, DateTimeOffset fromTime, DateTimeOffset untilTime, CancellationToken cancellationToken);

    /// <summary>The newest observation's time for the symbol (the exchange's clock), or null when none.</summary>
    Task<DateTimeOffset?> GetLatestTimeAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken);
}
