using Moq;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Tests;

/// <summary>
/// A process that crashed, or lost an answer, between writing the intent and hearing from the exchange left a PENDING
/// order. "Order does not exist" is only taken for "never placed" after the order's deadline: its send deadline, plus the
/// exchange's request validity (recvWindow), plus the visibility margin, all from the order's created_at.
/// </summary>
public class ResolvingPendingOrders : LedgerTestBase
{
    private static readonly DateTimeOffset CrashTime = Start.AddMinutes(-10);

    private void LookupAnswers(Order order, OrderLookupResult result) =>
        Exchange
            .Setup(e => e.GetOrderAsync(order.Symbol, order.IdempotencyKey, It.IsAny<CancellationToken>()))
            .ReturnsAsync(result);

    private Task<PendingResolution> Resolve() => NewResolvePendingOrders().ExecuteAsync(CancellationToken.None);

    [Test]
    public async Task A_pending_order_the_exchange_has_becomes_open_with_its_qualified_exchange_id()
    {
        var crashed = SeedPending("open", CrashTime);
        LookupAnswers(crashed, new OrderLookupResult.Found(AtExchange(crashed.IdempotencyKey.Value, "8801", OrderStatus.Open, quantity: "1")));

        var resolution = await Resolve();

        var stored = StoredOrder(crashed.Id);
        var transition = AuditOf(AuditEventType.StateTransition).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolution.Resolved.Select(o => o.Id), Is.EqualTo(new[] { crashed.Id }));
            Assert.That(resolution.Rejected, Is.Empty);
            Assert.That(resolution.StillPending, Is.Empty);
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(stored.ExchangeOrderId, Is.EqualTo("PAPER:BTCUSDT:8801"));
            Assert.That(transition.Data["from"], Is.EqualTo("PENDING"));
            Assert.That(transition.Data["to"], Is.EqualTo("OPEN"));
        }
    }

    [Test]
    public async Task A_pending_order_the_exchange_does_not_show_after_its_deadline_is_judged_never_placed()
    {
        var crashed = SeedPending("open", CrashTime);
        LookupAnswers(crashed, new OrderLookupResult.NotFound());

        var resolution = await Resolve();

        var transition = AuditOf(AuditEventType.StateTransition).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolution.Rejected.Select(o => o.Id), Is.EqualTo(new[] { crashed.Id }));
            Assert.That(StoredOrder(crashed.Id).Status, Is.EqualTo(OrderStatus.Rejected));
            Assert.That(transition.Data["idempotency_key"], Is.EqualTo(crashed.IdempotencyKey.Value));
            Assert.That(transition.Data["to"], Is.EqualTo("REJECTED"));
            Assert.That(transition.Data["reason"], Does.Contain("never placed"));
        }
    }

    [Test]
    public async Task Order_does_not_exist_right_after_a_lost_answer_leaves_the_order_pending()
    {
        var lost = SeedPending("open", Start.AddSeconds(-3));
        LookupAnswers(lost, new OrderLookupResult.NotFound());

        var resolution = await Resolve();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolution.StillPending.Select(o => o.Id), Is.EqualTo(new[] { lost.Id }));
            Assert.That(StoredOrder(lost.Id).Status, Is.EqualTo(OrderStatus.Pending));
            Assert.That(Ledger.AuditEvents, Is.Empty);
        }
    }

    [Test]
    public async Task The_verdict_falls_at_created_at_plus_send_delay_request_validity_and_visibility_margin_for_any_worker()
    {
        Timing = new OrderTiming(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
        var created = Start;
        var order = SeedPending("open", created);
        LookupAnswers(order, new OrderLookupResult.NotFound());
        var deadline = created + TimeSpan.FromSeconds(10) + TimeSpan.FromSeconds(5) + TimeSpan.FromSeconds(30);

        Clock.Set(deadline);
        var atDeadline = await Resolve();

        // Another worker (a standby taking over, a restarted process) judges from the ledger alone.
        Clock.Set(deadline.AddMilliseconds(1));
        var afterDeadline = await NewResolvePendingOrders().ExecuteAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(atDeadline.StillPending.Select(o => o.Id), Is.EqualTo(new[] { order.Id }));
            Assert.That(afterDeadline.Rejected.Select(o => o.Id), Is.EqualTo(new[] { order.Id }));
            Assert.That(Timing.NeverPlacedAfter(order, TimeSpan.FromSeconds(5)), Is.EqualTo(deadline));
        }
    }

    [Test]
    public async Task The_deadlines_written_with_the_intent_decide_even_for_a_worker_with_other_settings()
    {
        // The writer had a 10 s send delay and a 30 s margin; a standby configured with 1 s and 1 s judges by the row.
        var order = Order.CreatePending(OrderId.New(), Paper, BtcUsdt, Side.Sell, OrderType.Market, Domain.Amounts.Quantity.Parse("0.01"), null,
            IdempotencyKey.For(Intent("open")), Start, OrderTiming.Default.For(Start, TimeSpan.FromSeconds(5)));
        Ledger.Seed(order);
        LookupAnswers(order, new OrderLookupResult.NotFound());
        Timing = new OrderTiming(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        Clock.Set(Start.AddSeconds(44));
        var early = await Resolve();
        Clock.Set(Start.AddSeconds(46));
        var late = await Resolve();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(early.StillPending, Has.Count.EqualTo(1), "45 s after created_at, by the writer's deadline");
            Assert.That(late.Rejected, Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task A_pending_order_the_exchange_cannot_answer_for_stays_pending_even_past_its_deadline()
    {
        var crashed = SeedPending("open", CrashTime);
        LookupAnswers(crashed, new OrderLookupResult.Unknown("503 Service Unavailable"));

        var resolution = await Resolve();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolution.StillPending.Select(o => o.Id), Is.EqualTo(new[] { crashed.Id }));
            Assert.That(StoredOrder(crashed.Id).Status, Is.EqualTo(OrderStatus.Pending));
            Assert.That(Ledger.AuditEvents, Is.Empty);
        }
    }

    [Test]
    public async Task An_order_resolved_meanwhile_by_another_path_is_not_changed_again()
    {
        var crashed = SeedPending("open", CrashTime);
        Exchange
            .Setup(e => e.GetOrderAsync(crashed.Symbol, crashed.IdempotencyKey, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() =>
            {
                // A concurrent PlaceOrder retry records the order OPEN while this lookup is in flight.
                var open = Order.Rehydrate(
                    crashed.Id, crashed.Exchange, crashed.Symbol, crashed.Side, crashed.Type, crashed.Quantity, crashed.LimitPrice,
                    crashed.IdempotencyKey, OrderStatus.Open, "PAPER:BTCUSDT:8801", crashed.FilledQuantity, crashed.CreatedAt, Start);
                Ledger.Seed(open);
                return new OrderLookupResult.NotFound();
            });

        await Resolve();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(StoredOrder(crashed.Id).Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(AuditOf(AuditEventType.StateTransition), Is.Empty);
        }
    }

    [Test]
    public async Task Orders_of_another_exchange_are_left_alone()
    {
        var other = Order.CreatePending(OrderId.New(), new ExchangeName("BINANCE"), BtcUsdt, Side.Buy, OrderType.Market, Domain.Amounts.Quantity.Parse("1"), null, IdempotencyKey.For(Intent("other")), CrashTime);
        Ledger.Seed(other);

        var resolution = await Resolve();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolution.StillPending.Concat(resolution.Rejected).Concat(resolution.Resolved), Is.Empty);
            Exchange.Verify(e => e.GetOrderAsync(It.IsAny<Symbol>(), It.IsAny<IdempotencyKey>(), It.IsAny<CancellationToken>()), Times.Never);
        }
    }
}
