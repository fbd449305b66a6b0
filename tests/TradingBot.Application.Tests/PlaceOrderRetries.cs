using Moq;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Tests;

public class PlaceOrderRetries : LedgerTestBase
{
    private PlaceOrderCommand _command = null!;
    private IdempotencyKey _key;
    private readonly List<IdempotencyKey> _sentClientOrderIds = [];

    [SetUp]
    public void CreateCommand()
    {
        _command = BuyLimit(Intent());
        _key = IdempotencyKey.For(_command.Intent);
        _sentClientOrderIds.Clear();
    }

    private void ExchangeAnswersInTurn(params PlaceOrderResult[] results)
    {
        var queue = new Queue<PlaceOrderResult>(results);
        Exchange
            .Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .Callback((OrderRequest request, CancellationToken _) => _sentClientOrderIds.Add(request.ClientOrderId))
            .ReturnsAsync(() => queue.Dequeue());
    }

    private void LookupByKeyAnswers(OrderLookupResult result) =>
        Exchange
            .Setup(e => e.GetOrderAsync(BtcUsdt, _key, It.IsAny<CancellationToken>()))
            .ReturnsAsync(result);

    [Test]
    public async Task When_every_commit_answer_is_lost_the_order_is_sent_once_without_a_lookup_and_audited_once()
    {
        // Every unit of work commits, loses its answer and runs again: the intent's re-run finds the order this call
        // made (so nobody can have sent it yet), and the acceptance's re-run finds its event already stored.
        ExchangeAnswersInTurn(new PlaceOrderResult.Accepted(AtExchange(_key.Value, "8801", OrderStatus.Open)));
        Ledger.LoseEveryCommitAnswer = true;

        var outcome = await NewPlaceOrder().ExecuteAsync(_command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Placed>());
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(AuditOf(AuditEventType.Decision), Has.Count.EqualTo(1));
            Assert.That(AuditOf(AuditEventType.StateTransition), Has.Count.EqualTo(1));
            Assert.That(_sentClientOrderIds, Is.EqualTo(new[] { _key }));
            Exchange.Verify(e => e.GetOrderAsync(It.IsAny<Symbol>(), It.IsAny<IdempotencyKey>(), It.IsAny<CancellationToken>()), Times.Never);
        }
    }

    [Test]
    public async Task When_every_commit_answer_is_lost_a_rejection_and_an_unknown_outcome_are_audited_once()
    {
        ExchangeAnswersInTurn(new PlaceOrderResult.Rejected("insufficient margin"));
        Ledger.LoseEveryCommitAnswer = true;
        var rejected = await NewPlaceOrder().ExecuteAsync(_command, CancellationToken.None);

        var other = BuyLimit(Intent("other-leg"));
        ExchangeAnswersInTurn(new PlaceOrderResult.Unknown("timeout after 10s"));
        var unknown = await NewPlaceOrder().ExecuteAsync(other, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rejected, Is.TypeOf<PlaceOrderOutcome.Rejected>());
            Assert.That(unknown, Is.TypeOf<PlaceOrderOutcome.Unknown>());
            Assert.That(AuditOf(AuditEventType.StateTransition), Has.Count.EqualTo(1));
            Assert.That(AuditOf(AuditEventType.Error), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task A_retry_after_a_timeout_finds_the_order_by_its_key_and_does_not_send_it_again()
    {
        ExchangeAnswersInTurn(new PlaceOrderResult.Unknown("timeout after 10s"));
        LookupByKeyAnswers(new OrderLookupResult.Found(AtExchange(_key.Value, "8801", OrderStatus.Open)));
        var placeOrder = NewPlaceOrder();
        var first = await placeOrder.ExecuteAsync(_command, CancellationToken.None);

        var retry = await placeOrder.ExecuteAsync(_command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.TypeOf<PlaceOrderOutcome.Unknown>());
            Assert.That(retry, Is.TypeOf<PlaceOrderOutcome.Placed>());
            Assert.That(Ledger.Orders, Has.Count.EqualTo(1));
            Assert.That(Ledger.Orders[0].Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(Ledger.Orders[0].ExchangeOrderId, Is.EqualTo("PAPER:BTCUSDT:8801"));
            Assert.That(AuditOf(AuditEventType.Decision), Has.Count.EqualTo(1));
            Exchange.Verify(e => e.GetOrderAsync(BtcUsdt, _key, It.IsAny<CancellationToken>()), Times.Once);
            Exchange.Verify(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()), Times.Once);
        }
    }

    [Test]
    public async Task A_key_is_never_sent_twice_even_when_the_exchange_says_the_order_does_not_exist()
    {
        // Binance keeps client order ids unique among open orders only: a second send of a filled market order's key
        // would be a second order, and "does not exist" right after a lost answer proves nothing.
        ExchangeAnswersInTurn(new PlaceOrderResult.Unknown("timeout after 10s"));
        LookupByKeyAnswers(new OrderLookupResult.NotFound());
        var placeOrder = NewPlaceOrder();
        await placeOrder.ExecuteAsync(_command, CancellationToken.None);

        var retry = await placeOrder.ExecuteAsync(_command, CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(5));
        var muchLater = await NewPlaceOrder().ExecuteAsync(_command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(retry, Is.TypeOf<PlaceOrderOutcome.Unknown>());
            Assert.That(muchLater, Is.TypeOf<PlaceOrderOutcome.Unknown>());
            Assert.That(_sentClientOrderIds, Is.EqualTo(new[] { _key }));
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Pending), "resolution decides, after the deadline");
        }
    }

    [Test]
    public async Task An_intent_written_by_a_crashed_attempt_is_not_sent_by_the_next_one()
    {
        // The earlier process wrote the intent and died: whether it sent it, nobody knows.
        var crashed = Order.CreatePending(OrderId.New(), Paper, BtcUsdt, Side.Buy, OrderType.Limit, Domain.Amounts.Quantity.Parse("0.5"), Domain.Amounts.Price.Parse("64000"), _key, Start.AddSeconds(-1));
        Ledger.Seed(crashed);
        ExchangeAnswersInTurn(new PlaceOrderResult.Accepted(AtExchange(_key.Value, "8801", OrderStatus.Open)));
        LookupByKeyAnswers(new OrderLookupResult.NotFound());

        var outcome = await NewPlaceOrder().ExecuteAsync(_command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Unknown>());
            Assert.That(_sentClientOrderIds, Is.Empty);
        }
    }

    [Test]
    public async Task A_retry_does_not_send_when_the_exchange_cannot_say_whether_it_has_the_order()
    {
        ExchangeAnswersInTurn(new PlaceOrderResult.Unknown("timeout after 10s"));
        LookupByKeyAnswers(new OrderLookupResult.Unknown("503 Service Unavailable"));
        var placeOrder = NewPlaceOrder();
        await placeOrder.ExecuteAsync(_command, CancellationToken.None);

        var retry = await placeOrder.ExecuteAsync(_command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(retry, Is.TypeOf<PlaceOrderOutcome.Unknown>());
            Assert.That(((PlaceOrderOutcome.Unknown)retry).Reason, Is.EqualTo("503 Service Unavailable"));
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Pending));
            Exchange.Verify(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()), Times.Once);
        }
    }

    [Test]
    public async Task A_retry_of_an_accepted_intent_returns_AlreadyResolved_without_calling_the_exchange()
    {
        ExchangeAnswersInTurn(new PlaceOrderResult.Accepted(AtExchange(_key.Value, "8801", OrderStatus.Open)));
        var placeOrder = NewPlaceOrder();
        await placeOrder.ExecuteAsync(_command, CancellationToken.None);
        Exchange.Invocations.Clear();

        var retry = await placeOrder.ExecuteAsync(_command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(retry, Is.TypeOf<PlaceOrderOutcome.AlreadyResolved>());
            Assert.That(retry.Order!.Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(retry.Order!.ExchangeOrderId, Is.EqualTo("PAPER:BTCUSDT:8801"));
            Assert.That(Ledger.Orders, Has.Count.EqualTo(1));
            Exchange.Verify(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()), Times.Never);
            Exchange.Verify(e => e.GetOrderAsync(It.IsAny<Symbol>(), It.IsAny<IdempotencyKey>(), It.IsAny<CancellationToken>()), Times.Never);
        }
    }

    [Test]
    public async Task A_retry_of_a_rejected_intent_returns_AlreadyResolved_without_calling_the_exchange()
    {
        ExchangeAnswersInTurn(new PlaceOrderResult.Rejected("-1013 Filter failure: LOT_SIZE"));
        var placeOrder = NewPlaceOrder();
        await placeOrder.ExecuteAsync(_command, CancellationToken.None);
        Exchange.Invocations.Clear();

        var retry = await placeOrder.ExecuteAsync(_command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(retry, Is.TypeOf<PlaceOrderOutcome.AlreadyResolved>());
            Assert.That(retry.Order!.Status, Is.EqualTo(OrderStatus.Rejected));
            Assert.That(Ledger.Orders, Has.Count.EqualTo(1));
            Exchange.Verify(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()), Times.Never);
            Exchange.Verify(e => e.GetOrderAsync(It.IsAny<Symbol>(), It.IsAny<IdempotencyKey>(), It.IsAny<CancellationToken>()), Times.Never);
        }
    }

    [Test]
    public async Task Concurrent_placements_of_the_same_intent_make_one_ledger_order()
    {
        Exchange
            .Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .Returns(async (OrderRequest request, CancellationToken ct) =>
            {
                lock (_sentClientOrderIds)
                {
                    _sentClientOrderIds.Add(request.ClientOrderId);
                }

                // Stay in flight long enough for the other placement to find the PENDING order.
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
                return new PlaceOrderResult.Accepted(AtExchange(request.ClientOrderId.Value, "8801", OrderStatus.Open));
            });
        LookupByKeyAnswers(new OrderLookupResult.Found(AtExchange(_key.Value, "8801", OrderStatus.Open)));
        var placeOrder = NewPlaceOrder();

        var outcomes = await Task.WhenAll(
            Task.Run(() => placeOrder.ExecuteAsync(_command, CancellationToken.None)),
            Task.Run(() => placeOrder.ExecuteAsync(_command, CancellationToken.None)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ledger.Orders, Has.Count.EqualTo(1));
            Assert.That(outcomes.Select(o => o.Order!.Id), Has.All.EqualTo(Ledger.Orders[0].Id));
            Assert.That(Ledger.Orders[0].Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(AuditOf(AuditEventType.Decision), Has.Count.EqualTo(1));
            Assert.That(_sentClientOrderIds, Has.All.EqualTo(_key));
        }
    }
}
