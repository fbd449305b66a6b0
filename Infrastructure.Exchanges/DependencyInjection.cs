using Microsoft.Extensions.DependencyInjection.Extensions;
using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Exchanges.Paper;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an exchange adapter as the Application's <see cref="IExchange"/>.</summary>
public static class ExchangesServiceCollectionExtensions
{
    /// <summary>Adds the paper exchange (the embedded default) as <see cref="IExchange"/>; TryAdd, so a host can replace it.</summary>
    public static IServiceCollection AddPaperExchange(this IServiceCollection services, Action<PaperExchangeOptions>? configure = null)
    {
        var options = new PaperExchangeOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IExchange>(provider => new PaperExchange(options, provider.GetRequiredService<TimeProvider>()));
        return services;
    }
}
