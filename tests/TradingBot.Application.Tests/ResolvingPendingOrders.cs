using Moq;
using TradingBot.Application.Ports;
using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Tests;

/// <summary>A process that crashed between writing the intent and hearing from the exchange left a PENDING order.</summary>
public class ResolvingPendingOrders : LedgerTestBase
{
    private static readonly DateTimeOffset CrashTime = Start.AddMinutes(-10);

    private void LookupAnswers(Order order, OrderLookupResult result) =>
        Exchange
            .Setup(e => e.GetOrderAsync(order.Symbol, order.IdempotencyKey, It.IsAny<CancellationToken>()))
            .ReturnsAsync(result);

    [Test]
    public async Task A_pending_order_the_exchange_has_becomes_open_with_its_exchange_id()
    {
        var crashed = SeedPending("open", CrashTime);
        LookupAnswers(crashed, new OrderLookupResult.Found(AtExchange(crashed.IdempotencyKey.Value, "8801", OrderStatus.Open, quantity: "1")));

        var resolution = await NewResolvePendingOrders().ExecuteAsync(null, CancellationToken.None);

        var stored = StoredOrder(crashed.Id);
        var transition = AuditOf(AuditEventType.StateTransition).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolution.Resolved.Select(o => o.Id), Is.EqualTo(new[] { crashed.Id }));
            Assert.That(resolution.Rejected, Is.Empty);
            Assert.That(resolution.StillPending, Is.Empty);
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(stored.ExchangeOrderId, Is.EqualTo("8801"));
            Assert.That(transition.Data["from"], Is.EqualTo("PENDING"));
            Assert.That(transition.Data["to"], Is.EqualTo("OPEN"));
        }
    }

    [Test]
    public async Task A_pending_order_the_exchange_never_saw_is_rejected_with_the_reason_in_the_audit_log()
    {
        var crashed = SeedPending("open", CrashTime);
        LookupAnswers(crashed, new OrderLookupResult.NotFound());

        var resolution = await NewResolvePendingOrders().ExecuteAsync(null, CancellationToken.None);

        var transition = AuditOf(AuditEventType.StateTransition).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolution.Rejected.Select(o => o.Id), Is.EqualTo(new[] { crashed.Id }));
            Assert.That(StoredOrder(crashed.Id).Status, Is.EqualTo(OrderStatus.Rejected));
            Assert.That(transition.Data["idempotency_key"], Is.EqualTo(crashed.IdempotencyKey.Value));
            Assert.That(transition.Data["to"], Is.EqualTo("REJECTED"));
            Assert.That(transition.Data["reason"], Does.Contain("never saw"));
        }
    }

    [Test]
    public async Task A_pending_order_the_exchange_cannot_answer_for_stays_pending()
    {
        var crashed = SeedPending("open", CrashTime);
        LookupAnswers(crashed, new OrderLookupResult.Unknown("503 Service Unavailable"));

        var resolution = await NewResolvePendingOrders().ExecuteAsync(null, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolution.StillPending.Select(o => o.Id), Is.EqualTo(new[] { crashed.Id }));
            Assert.That(StoredOrder(crashed.Id).Status, Is.EqualTo(OrderStatus.Pending));
            Assert.That(Ledger.AuditEvents, Is.Empty);
        }
    }

    [Test]
    public async Task Orders_created_after_the_cutoff_are_left_alone()
    {
        var old = SeedPending("open", CrashTime);
        var young = SeedPending("hedge", Start.AddSeconds(-5), Side.Sell);
        LookupAnswers(old, new OrderLookupResult.NotFound());
        LookupAnswers(young, new OrderLookupResult.NotFound());

        var resolution = await NewResolvePendingOrders().ExecuteAsync(Start.AddMinutes(-1), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolution.Rejected.Select(o => o.Id), Is.EqualTo(new[] { old.Id }));
            Assert.That(StoredOrder(young.Id).Status, Is.EqualTo(OrderStatus.Pending));
            Exchange.Verify(e => e.GetOrderAsync(BtcUsdt, young.IdempotencyKey, It.IsAny<CancellationToken>()), Times.Never);
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
                    crashed.IdempotencyKey, OrderStatus.Open, "8801", crashed.FilledQuantity, crashed.CreatedAt, Start);
                Ledger.Seed(open);
                return new OrderLookupResult.NotFound();
            });

        await NewResolvePendingOrders().ExecuteAsync(null, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(StoredOrder(crashed.Id).Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(AuditOf(AuditEventType.StateTransition), Is.Empty);
        }
    }
}
