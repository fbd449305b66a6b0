using System.Diagnostics;
using Moq;
using TradingBot.Application.Ports;
using TradingBot.Application.Telemetry;
using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.TestLedger;

namespace TradingBot.Application.Tests;

/// <summary>The use cases' instruments, read as a collector reads them (a <see cref="System.Diagnostics.Metrics.MeterListener"/>).</summary>
public class Instruments : LedgerTestBase
{
    private MeterRecorder _recorder = null!;

    [SetUp]
    public void Listen() => _recorder = new MeterRecorder(Metrics.Meter);

    [TearDown]
    public void StopListening() => _recorder.Dispose();

    [Test]
    public async Task Orders_placed_rejected_and_unknown_are_counted_by_symbol_and_an_earlier_attempt_is_not()
    {
        Exchange.SetupSequence(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new PlaceOrderResult.Accepted(AtExchange("k", "9001", OrderStatus.Open)))
            .ReturnsAsync(new PlaceOrderResult.Rejected("-2019 Margin is insufficient"))
            .ReturnsAsync(new PlaceOrderResult.Unknown("timeout after 10s"));
        var placeOrder = NewPlaceOrder();

        await placeOrder.ExecuteAsync(BuyLimit(Intent("a")), CancellationToken.None);
        await placeOrder.ExecuteAsync(BuyLimit(Intent("b")), CancellationToken.None);
        await placeOrder.ExecuteAsync(BuyLimit(Intent("c")), CancellationToken.None);
        await placeOrder.ExecuteAsync(BuyLimit(Intent("b")), CancellationToken.None); // resolved already: nothing sent, nothing counted

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_recorder.Sum("tradingbot.orders.placed"), Is.EqualTo(1));
            Assert.That(_recorder.Sum("tradingbot.orders.rejected"), Is.EqualTo(1));
            Assert.That(_recorder.Sum("tradingbot.orders.unknown"), Is.EqualTo(1));
            Assert.That(_recorder.Of("tradingbot.orders.placed").Single().Tags["tradingbot.symbol"], Is.EqualTo("BTCUSDT"));
        }
    }

    [Test]
    public async Task A_fill_is_counted_once_when_written_and_an_external_one_is_tagged()
    {
        var order = SeedOpen("open", "7001", quantity: "1");
        var recordFill = NewRecordFill();

        await recordFill.ExecuteAsync(FillOf(order, "PAPER-F1", "64000", "0.5", Start), CancellationToken.None);
        await recordFill.ExecuteAsync(FillOf(order, "PAPER-F1", "64000", "0.5", Start), CancellationToken.None);
        await recordFill.ExecuteExternalAsync(Paper, Trade("PAPER-L1", "8001", null, Side.Sell, "63000", "0.2", Start), CancellationToken.None);

        var fills = _recorder.Of("tradingbot.fills.recorded");
        Assert.That(fills.Select(f => (f.Value, f.Tags["tradingbot.external"])), Is.EqualTo(new[] { (1L, (object?)false), (1L, (object?)true) }));
    }

    [Test]
    public async Task A_funding_payment_is_counted_once()
    {
        var payment = new FundingPayment("PAPER-FP1", Paper, BtcUsdt, Money.Parse("-1.25", Usdt), Start);
        var record = NewRecordFundingPayment();

        await record.ExecuteAsync(payment, CancellationToken.None);
        await record.ExecuteAsync(payment, CancellationToken.None);

        Assert.That(_recorder.Sum("tradingbot.funding.payments"), Is.EqualTo(1));
    }

    [Test]
    public async Task Pending_orders_and_the_age_of_the_oldest_are_observed_and_the_age_grows_between_resolutions()
    {
        var oldest = SeedPending("a", Start.AddMinutes(-10));
        var newer = SeedPending("b", Start.AddMinutes(-3));
        Exchange.Setup(e => e.GetOrderAsync(BtcUsdt, It.IsAny<IdempotencyKey>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OrderLookupResult.Unknown("timeout"));

        await NewResolvePendingOrders().ExecuteAsync(CancellationToken.None);
        var countWhileUnknown = _recorder.Observe("tradingbot.orders.pending");
        var ageWhileUnknown = _recorder.Observe("tradingbot.orders.pending.oldest_age");
        Clock.Advance(TimeSpan.FromMinutes(1));
        var ageAMinuteLater = _recorder.Observe("tradingbot.orders.pending.oldest_age");

        Exchange.Setup(e => e.GetOrderAsync(BtcUsdt, oldest.IdempotencyKey, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OrderLookupResult.Found(AtExchange(oldest.IdempotencyKey.Value, "9001", OrderStatus.Open, quantity: "1")));
        Exchange.Setup(e => e.GetOrderAsync(BtcUsdt, newer.IdempotencyKey, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OrderLookupResult.Found(AtExchange(newer.IdempotencyKey.Value, "9002", OrderStatus.Open, quantity: "1")));
        await NewResolvePendingOrders().ExecuteAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((countWhileUnknown, ageWhileUnknown, ageAMinuteLater), Is.EqualTo((2L, 600L, 660L)));
            Assert.That(_recorder.Observe("tradingbot.orders.pending"), Is.Zero);
            Assert.That(_recorder.Observe("tradingbot.orders.pending.oldest_age"), Is.Zero);
        }
    }

    [Test]
    public void The_lease_is_observed_as_held_only_while_it_is()
    {
        Metrics.LeaseHeld(true);
        var held = _recorder.Observe("tradingbot.lease.held");
        Metrics.LeaseHeld(false);

        Assert.That((held, _recorder.Observe("tradingbot.lease.held")), Is.EqualTo((1L, 0L)));
    }

    [Test]
    public async Task Placing_an_order_is_an_activity_of_the_trading_bot_source_with_its_outcome()
    {
        var seen = new List<Activity>();
        using var parent = new Activity("test").Start();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TradingBotMetrics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == parent.TraceId)
                {
                    lock (seen)
                    {
                        seen.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        Exchange.Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new PlaceOrderResult.Rejected("-2019 Margin is insufficient"));

        await NewPlaceOrder().ExecuteAsync(BuyLimit(Intent("a")), CancellationToken.None);

        var placed = seen.Single(a => a.OperationName == "TradingBot.PlaceOrder");
        Assert.That(
            (placed.GetTagItem("tradingbot.symbol"), placed.GetTagItem("tradingbot.outcome")),
            Is.EqualTo(((object?)"BTCUSDT", (object?)"Rejected")));
    }
}
