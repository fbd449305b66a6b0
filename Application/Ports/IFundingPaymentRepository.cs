using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Ports;

/// <summary>Funding income and expense, unique by the exchange's id.</summary>
public interface IFundingPaymentRepository
{
    /// <summary>Inserts the payment; false, inserting nothing, when its exchange id is already stored.</summary>
    Task<bool> TryAddAsync(FundingPayment payment, CancellationToken cancellationToken);

    /// <summary>Payments with <paramref name="fromTime"/> ≤ time &lt; <paramref name="untilTime"/>, oldest first.</summary>
    Task<IReadOnlyList<FundingPayment>> GetRangeAsync(ExchangeName exchange, DateTimeOffset fromTime, DateTimeOffset untilTime, CancellationToken cancellationToken);

    /// <summary>The latest payment time on this exchange, or null: the cursor for backfilling payments.</summary>
    Task<DateTimeOffset?> GetLatestPaidAtAsync(ExchangeName exchange, CancellationToken cancellationToken);
}
