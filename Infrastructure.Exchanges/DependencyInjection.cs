using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingBot.Application.Ports;
using TradingBot.Application.Telemetry;
using TradingBot.Infrastructure.Exchanges.Binance;
using TradingBot.Infrastructure.Exchanges.Paper;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an exchange adapter as the Application's <see cref="IExchange"/>.</summary>
public static class ExchangesServiceCollectionExtensions
{
    /// <summary>Adds the paper exchange (the embedded default) with its default options as <see cref="IExchange"/>; TryAdd, so a host can replace it.</summary>
    public static IServiceCollection AddPaperExchange(this IServiceCollection services) => services.AddPaperExchange(new PaperExchangeOptions());

    /// <summary>Adds the paper exchange as <see cref="IExchange"/>, its options set by <paramref name="configure"/>; TryAdd, so a host can replace it.</summary>
    public static IServiceCollection AddPaperExchange(this IServiceCollection services, Action<PaperExchangeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new PaperExchangeOptions();
        configure(options);
        return services.AddPaperExchange(options);
    }

    /// <summary>
    /// Adds the paper exchange with these options as <see cref="IExchange"/>; the options are checked now
    /// (<see cref="ArgumentException"/> naming the wrong setting) and the exchange opens at first use.
    /// </summary>
    public static IServiceCollection AddPaperExchange(this IServiceCollection services, PaperExchangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PaperExchange.Validate(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IExchange>(provider => new PaperExchange(options, provider.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// Adds the Binance USDⓈ-M futures adapter as <see cref="IExchange"/> (and as <see cref="BinanceExchange"/>);
    /// TryAdd, so a host can replace it. The options are validated now: a missing key or secret, a non-HTTPS
    /// base URL that is not a loopback address, or a recvWindow outside 1 to 60000 ms throws
    /// <see cref="ArgumentException"/> naming the setting (never a key's value). Calls go through a named
    /// <see cref="HttpClient"/> whose resilience pipeline retries reads with jittered backoff honouring
    /// Retry-After, never retries a POST, breaks the circuit when the exchange keeps failing and bounds each
    /// attempt with a timeout.
    /// </summary>
    public static IServiceCollection AddBinanceExchange(this IServiceCollection services, BinanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        var settings = options.Clone();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new BinanceServerClock(provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(provider => new BinanceRateGate(settings, provider.GetRequiredService<BinanceServerClock>(), provider.GetRequiredService<TimeProvider>()));
        var http = services.AddHttpClient(BinanceFuturesClient.HttpClientName, client =>
        {
            client.BaseAddress = settings.BaseUri;
            client.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline bounds every attempt
        });

        // A redirect is never followed: it would carry X-MBX-APIKEY (and a signed query) to whatever host it names.
        http.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });

        // Outermost first: resilience (retry, circuit breaker, attempt timeout), then the rate gate, then the attempt's timing,
        // then signing, so every attempt waits its turn, is timed without its wait, and is signed with a fresh timestamp.
        http.AddResilienceHandler(BinanceResilience.PipelineName, (builder, context) => BinanceResilience.Configure(builder, settings, context.ServiceProvider.GetRequiredService<TimeProvider>()));
        http.AddHttpMessageHandler(provider => new BinanceRateHandler(provider.GetRequiredService<BinanceRateGate>()))
            .AddHttpMessageHandler(provider => new BinanceMetricsHandler(provider.GetService<TradingBotMetrics>() ?? TradingBotMetrics.Shared, provider.GetRequiredService<TimeProvider>()))
            .AddHttpMessageHandler(provider => new BinanceSigningHandler(settings, new BinanceSigner(settings.ApiSecret), provider.GetRequiredService<BinanceServerClock>()))
            .RedactLoggedHeaders([BinanceSigningHandler.ApiKeyHeader]);

        services.TryAddSingleton(provider =>
        {
            var loggers = provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
            var clock = provider.GetRequiredService<BinanceServerClock>();
            return new BinanceExchange(
                new BinanceFuturesClient(provider.GetRequiredService<IHttpClientFactory>(), clock, loggers.CreateLogger<BinanceFuturesClient>()),
                clock,
                provider.GetRequiredService<BinanceRateGate>(),
                settings,
                provider.GetRequiredService<TimeProvider>(),
                loggers.CreateLogger<BinanceExchange>());
        });
        services.TryAddSingleton<IExchange>(provider => provider.GetRequiredService<BinanceExchange>());
        return services;
    }
}
