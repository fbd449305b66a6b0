using TradingBot.Application.Ports;

namespace TradingBot.Infrastructure.Exchanges.Tests.Binance;

/// <summary>The Binance adapter passes the exchange contract over real HTTP, against the fake Binance server on 127.0.0.1.</summary>
[TestFixture]
public sealed class BinanceExchangeContract : ExchangeContract
{
    private BinanceTestHost _host = null!;

    protected override DateTimeOffset HostNow => DateTimeOffset.UtcNow; // the adapter's TimeProvider.System

    protected override async Task<IExchange> CreateExchangeAsync()
    {
        _host = await BinanceTestHost.StartAsync();
        return _host.Exchange;
    }

    protected override async Task DisposeExchangeAsync()
    {
        // -1021 is expected once after the exchange clock jumps (LetTimePassAsync); the adapter re-synchronises.
        Assert.That(_host.Server.Requests.Where(r => r.IsSigned && r.RefusedWith is not null and not -1021), Is.Empty, "every signed call carries the key and a valid signature");

        await _host.DisposeAsync();
    }

    protected override Task LetTimePassAsync(TimeSpan exchangeTime)
    {
        _host.Server.AdvanceClock(exchangeTime);
        return Task.CompletedTask;
    }
}
