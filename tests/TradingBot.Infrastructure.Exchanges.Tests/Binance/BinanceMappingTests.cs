using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Exchanges.Binance;

namespace TradingBot.Infrastructure.Exchanges.Tests.Binance;

/// <summary>Binance's order statuses and types in the ledger's terms.</summary>
[TestFixture]
public sealed class BinanceMappingTests
{
    private static OrderDto Order(string status = "NEW", string type = "LIMIT", string? timeInForce = "GTC", string executed = "0") => new()
    {
        OrderId = 22542179,
        ClientOrderId = "testOrder",
        Symbol = "BTCUSDT",
        Side = "BUY",
        Type = type,
        TimeInForce = timeInForce,
        Status = status,
        OrigQty = "10",
        ExecutedQty = executed,
        Price = type == "MARKET" ? "0" : "9000",
        UpdateTime = 1566818724722,
    };

    [TestCase("NEW", "0", OrderStatus.Open)]
    [TestCase("PARTIALLY_FILLED", "4", OrderStatus.PartiallyFilled)]
    [TestCase("FILLED", "10", OrderStatus.Filled)]
    [TestCase("CANCELED", "0", OrderStatus.Cancelled)]
    [TestCase("EXPIRED", "3", OrderStatus.Cancelled)]
    [TestCase("EXPIRED_IN_MATCH", "0", OrderStatus.Cancelled)]
    [TestCase("REJECTED", "0", OrderStatus.Rejected)]
    public void Each_binance_status_has_its_ledger_status(string status, string executed, OrderStatus expected) =>
        Assert.That(BinanceMapping.ToOrder(Order(status, executed: executed)).Status, Is.EqualTo(expected));

    [TestCase("MARKET", null, OrderType.Market)]
    [TestCase("LIMIT", "GTC", OrderType.Limit)]
    [TestCase("LIMIT", "GTX", OrderType.Limit)]
    [TestCase("LIMIT", "IOC", OrderType.Ioc)]
    [TestCase("LIMIT", "FOK", OrderType.Fok)]
    public void Each_order_type_and_time_in_force_has_its_ledger_type(string type, string? timeInForce, OrderType expected) =>
        Assert.That(BinanceMapping.ToOrder(Order(type: type, timeInForce: timeInForce)).Type, Is.EqualTo(expected));

    [Test]
    public void A_market_order_has_no_limit_price_though_binance_sends_price_0() =>
        Assert.That(BinanceMapping.ToOrder(Order(type: "MARKET", timeInForce: "GTC")).LimitPrice, Is.Null);

    [Test]
    public void An_unknown_status_is_refused_by_name() =>
        Assert.That(() => BinanceMapping.ToOrder(Order(status: "PENDING_NEW_THING")), Throws.TypeOf<BinanceWireException>().With.Message.Contains("'status'"));

    [TestCase("TRAILING_STOP_MARKET", OrderType.Market)]
    [TestCase("STOP_MARKET", OrderType.Market)]
    [TestCase("TAKE_PROFIT_MARKET", OrderType.Market)]
    [TestCase("TAKE_PROFIT", OrderType.Limit)]
    [TestCase("STOP", OrderType.Limit)]
    public void An_order_of_a_type_the_ledger_does_not_place_is_read_with_its_own_type_name(string type, OrderType nearest)
    {
        var order = BinanceMapping.ToOrder(Order(type: type));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(order.NativeType, Is.EqualTo(type));
            Assert.That(order.Type, Is.EqualTo(nearest));
        }
    }

    [TestCase("NEW_INSURANCE")]
    [TestCase("NEW_ADL")]
    public void A_liquidation_in_progress_is_open(string status) =>
        Assert.That(BinanceMapping.ToOrder(Order(status: status)).Status, Is.EqualTo(OrderStatus.Open));

    [Test]
    public void More_executed_than_ordered_is_refused() =>
        Assert.That(() => BinanceMapping.ToOrder(Order(status: "FILLED", executed: "11")), Throws.TypeOf<BinanceWireException>().With.Message.Contains("executedQty"));

    [Test]
    public void Fill_ids_qualify_the_trade_id_with_the_exchange_and_symbol() =>
        Assert.That(BinanceMapping.FillId(new Symbol("ETHUSDT"), 698759).Value, Is.EqualTo("BINANCE:ETHUSDT:698759"));
}
