using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.TestBinance;

namespace TradingBot.Infrastructure.Exchanges.Tests.Binance;

/// <summary>The adapter reads a symbol's whole trade history across page boundaries, however many trades share a millisecond.</summary>
[TestFixture]
public sealed class BinanceTradePaging
{
    private static readonly Symbol EthUsdt = new("ETHUSDT");

    [Test]
    public async Task Every_trade_is_read_once_when_more_trades_than_a_page_holds_share_one_millisecond()
    {
        await using var host = await BinanceTestHost.StartAsync(options => options.PageLimit = 2);
        var since = host.Server.Clock.GetUtcNow().AddMinutes(-1);
        for (var i = 0; i < 3; i++)
        {
            await host.Server.PlaceDirectlyAsync(new OrderRequest(new IdempotencyKey($"tb-paging-{i}"), EthUsdt, i == 1 ? Side.Sell : Side.Buy, OrderType.Market, Quantity.Parse("0.01"), null));
        }

        var atExchange = await host.Server.TradesAsync(EthUsdt);
        var crowded = atExchange.GroupBy(t => t.Time.ToUnixTimeMilliseconds()).Max(g => g.Count());
        Assume.That(crowded, Is.GreaterThan(2), "the paper engine fills a 0.01 market order in several trades at one millisecond; without that this test shows nothing");

        var read = await host.Exchange.GetTradesAsync(EthUsdt, since, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(read.Select(t => t.ExchangeFillId.Value), Is.EquivalentTo(atExchange.Select(t => "BINANCE:ETHUSDT:" + t.ExchangeFillId.Value.Split(':')[^1])));
            Assert.That(read.Select(t => (t.Side, t.Quantity, t.Price)), Is.EquivalentTo(atExchange.Select(t => (t.Side, t.Quantity, t.Price))));
            Assert.That(host.Server.RequestsTo("GET /fapi/v1/userTrades").Count(r => r.Parameters.ContainsKey("fromId")), Is.GreaterThan(0), "past the first full page, by trade id");
        }
    }

    [Test]
    public async Task A_history_that_fills_exactly_whole_pages_ends_on_an_empty_page()
    {
        await using var host = await BinanceTestHost.StartAsync(options => options.PageLimit = 1);
        var since = host.Server.Clock.GetUtcNow().AddMinutes(-1);
        await host.Server.PlaceDirectlyAsync(new OrderRequest(new IdempotencyKey("tb-paging-one"), EthUsdt, Side.Buy, OrderType.Market, Quantity.Parse("0.01"), null));
        var atExchange = await host.Server.TradesAsync(EthUsdt);

        var read = await host.Exchange.GetTradesAsync(EthUsdt, since, CancellationToken.None);

        Assert.That(read, Has.Count.EqualTo(atExchange.Count));
    }
}
