using Microsoft.Extensions.DependencyInjection.Extensions;
using TradingBot.Application.Funding;
using TradingBot.Application.Orders;
using TradingBot.Application.Queries;
using TradingBot.Application.Reconciliation;
using TradingBot.Application.Telemetry;
using TradingBot.Application.Trading;
using TradingBot.Application.Verification;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ledger's use cases.</summary>
public static class TradingBotApplicationServiceCollectionExtensions
{
    /// <summary>
    /// Adds the use cases (transient) and <see cref="OrderTiming.Default"/> (register your own <see cref="OrderTiming"/>
    /// first to change it). The ports they need — <c>IUnitOfWork</c>, <c>IExchange</c>, <c>IClock</c>, <c>ILedgerLease</c> —
    /// come from the infrastructure registrations. Uses TryAdd so a host can replace any of them.
    /// </summary>
    public static IServiceCollection AddTradingBotApplication(this IServiceCollection services)
    {
        services.TryAddSingleton(OrderTiming.Default);
        services.TryAddSingleton<TradingBotMetrics>();
        services.TryAddTransient<PlaceOrder>();
        services.TryAddTransient<ResolvePendingOrders>();
        services.TryAddTransient<RecordFill>();
        services.TryAddTransient<IngestTrades>();
        services.TryAddTransient<RecordFundingSnapshot>();
        services.TryAddTransient<RecordFundingPayment>();
        services.TryAddTransient<Reconcile>();
        services.TryAddTransient<LedgerQueries>();
        services.TryAddTransient<TradingCycle>();
        services.TryAddTransient<VerifyLedger>();
        services.TryAddTransient<CheckTradingRules>();
        services.TryAddTransient<AdoptPosition>();
        return services;
    }
}
