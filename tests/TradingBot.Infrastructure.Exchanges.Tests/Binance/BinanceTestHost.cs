using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TradingBot.Application.Telemetry;
using TradingBot.Infrastructure.Exchanges.Binance;
using TradingBot.TestBinance;

namespace TradingBot.Infrastructure.Exchanges.Tests.Binance;

/// <summary>Every log line written, at every level, with its exception: to prove no secret is ever logged.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Capture(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Capture(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"{category} scope {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {state} {exception}");
    }
}

/// <summary>The Binance adapter as a host would build it (AddBinanceExchange), pointed at a fake server.</summary>
public sealed class BinanceTestHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private BinanceTestHost(FakeBinanceServer server, ServiceProvider services, CapturedLogs logs)
    {
        Server = server;
        _services = services;
        Logs = logs;
        Exchange = services.GetRequiredService<BinanceExchange>();
        Metrics = services.GetRequiredService<TradingBotMetrics>();
    }

    /// <summary>This host's instruments (a meter of its own).</summary>
    public TradingBotMetrics Metrics { get; }

    public FakeBinanceServer Server { get; }

    public BinanceExchange Exchange { get; }

    public CapturedLogs Logs { get; }

    /// <summary>Options for a fast test: short retry delays.</summary>
    public static BinanceOptions OptionsFor(FakeBinanceServer server) => new()
    {
        BaseUrl = server.BaseUrl,
        ApiKey = FakeBinanceServer.ApiKey,
        ApiSecret = FakeBinanceServer.ApiSecret,
        RecvWindowMs = 5000,
        AttemptTimeout = TimeSpan.FromSeconds(10), // a loaded CI machine answers slowly; tests of timeouts set their own
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        MaxRateLimitWait = TimeSpan.FromSeconds(5),
    };

    public static async Task<BinanceTestHost> StartAsync(Action<BinanceOptions>? configure = null, TradingBot.Infrastructure.Exchanges.Paper.PaperFaults? faults = null)
    {
        var server = await FakeBinanceServer.StartAsync(faults);
        var options = OptionsFor(server);
        configure?.Invoke(options);
        var logs = new CapturedLogs();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs))
            .AddSingleton<TradingBotMetrics>()
            .AddBinanceExchange(options)
            .BuildServiceProvider();
        return new BinanceTestHost(server, services, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Server.DisposeAsync();
        Logs.Dispose();
    }
}
