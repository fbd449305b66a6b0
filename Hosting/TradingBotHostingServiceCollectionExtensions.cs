using Microsoft.Extensions.Configuration;
using TradingBot.Application.Orders;
using TradingBot.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// One call per part, from the same configuration the TradingBot worker reads, checked with the same messages: a wrong
/// value throws <see cref="TradingBotConfigurationException"/> naming the setting, before anything is registered.
/// </summary>
public static class TradingBotHostingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the ledger <c>Ledger:Provider</c> names (Sqlite, the default, or Postgres) at <c>ConnectionStrings:Ledger</c>
    /// (SQLite's default: <c>data/ledger.db</c>), with <c>Ledger:Pooler</c> and <c>ConnectionStrings:LedgerDirect</c> for a
    /// Postgres behind a transaction-mode pooler. A relative SQLite path is taken against <paramref name="contentRoot"/>
    /// (default: the folder of the host's binaries), never the working directory.
    /// </summary>
    public static IServiceCollection AddTradingBotLedger(this IServiceCollection services, IConfiguration configuration, LedgerAccess access = LedgerAccess.ReadWrite, string? contentRoot = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var root = contentRoot ?? AppContext.BaseDirectory;
        var ledger = access == LedgerAccess.ReadReplica
            ? LedgerSettings.ForReading(configuration, root)
            : LedgerSettings.From(configuration, root, readOnly: access == LedgerAccess.ReadOnly);
        ledger.AddTo(services);
        services.AddSingleton(ledger);
        return services;
    }

    /// <summary>
    /// Registers the use cases with the order deadlines <c>Exchange:MaxSendDelay</c> and <c>Exchange:VisibilityMargin</c>
    /// (time spans such as 00:00:10) from <paramref name="configuration"/>.
    /// </summary>
    public static IServiceCollection AddTradingBotApplication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<OrderTiming>(ExchangeComposition.Timing(configuration));
        return services.AddTradingBotApplication();
    }

    /// <summary>
    /// Registers the exchange <c>Exchange:Kind</c> names: Paper (the default; <c>Exchange:Paper:*</c>, its state beside a
    /// SQLite ledger registered first) or Binance (<c>Exchange:Binance:*</c>). Relative paths are taken against
    /// <paramref name="contentRoot"/> (default: the folder of the host's binaries).
    /// </summary>
    public static IServiceCollection AddTradingBotExchange(this IServiceCollection services, IConfiguration configuration, string? contentRoot = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var ledger = services.LastOrDefault(d => d.ServiceType == typeof(LedgerSettings))?.ImplementationInstance as LedgerSettings;
        ExchangeComposition.AddConfiguredExchange(services, configuration, ledger, contentRoot ?? AppContext.BaseDirectory);
        return services;
    }
}
