using Moq;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Tests;

public class PlaceOrderIntentFirst : LedgerTestBase
{
    private void ExchangeAnswers(PlaceOrderResult result) =>
        Exchange
            .Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(result);

    [Test]
    public async Task The_pending_order_and_its_decision_event_are_committed_before_the_exchange_is_called()
    {
        var command = BuyLimit(Intent());
        var key = IdempotencyKey.For(command.Intent);
        var checkedBeforeTheCall = false;
        Exchange
            .Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .Returns((OrderRequest request, CancellationToken _) =>
            {
                // Reads the committed state: what a crash at this instant would leave behind.
                var orders = Ledger.Orders;
                var decisions = AuditOf(AuditEventType.Decision);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(orders, Has.Count.EqualTo(1));
                    Assert.That(orders[0].Status, Is.EqualTo(OrderStatus.Pending));
                    Assert.That(orders[0].IdempotencyKey, Is.EqualTo(key));
                    Assert.That(orders[0].ExchangeOrderId, Is.Null);
                    Assert.That(decisions, Has.Count.EqualTo(1));
                    Assert.That(decisions[0].Data["idempotency_key"], Is.EqualTo(key.Value));
                    Assert.That(decisions[0].Data["strategy"], Is.EqualTo("basis-carry"));
                    Assert.That(decisions[0].Data["reason"], Is.EqualTo("funding rate above threshold"));
                }

                checkedBeforeTheCall = true;
                return Task.FromResult<PlaceOrderResult>(new PlaceOrderResult.Accepted(AtExchange(request.ClientOrderId.Value, "8801", OrderStatus.Open)));
            });

        var outcome = await NewPlaceOrder().ExecuteAsync(command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            // An assertion failing inside the callback would surface here as an Unknown outcome.
            Assert.That(checkedBeforeTheCall, Is.True);
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Placed>());
        }
    }

    [Test]
    public async Task The_exchange_receives_the_intents_idempotency_key_as_client_order_id()
    {
        var command = BuyLimit(Intent(), quantity: "0.5", price: "64000");
        ExchangeAnswers(new PlaceOrderResult.Accepted(AtExchange(IdempotencyKey.For(command.Intent).Value, "8801", OrderStatus.Open)));

        await NewPlaceOrder().ExecuteAsync(command, CancellationToken.None);

        Exchange.Verify(
            e => e.PlaceOrderAsync(
                It.Is<OrderRequest>(r =>
                    r.ClientOrderId == IdempotencyKey.For(command.Intent) &&
                    r.Symbol == BtcUsdt &&
                    r.Side == Side.Buy &&
                    r.Type == OrderType.Limit &&
                    r.Quantity == Quantity.Parse("0.5") &&
                    r.LimitPrice == Price.Parse("64000")),
                It.IsAny<CancellationToken>()),
            Times.Once);
    }

    [Test]
    public async Task An_accepted_order_becomes_open_with_the_exchange_order_id()
    {
        var command = BuyLimit(Intent());
        var key = IdempotencyKey.For(command.Intent);
        ExchangeAnswers(new PlaceOrderResult.Accepted(AtExchange(key.Value, "8801", OrderStatus.Open)));

        var outcome = await NewPlaceOrder().ExecuteAsync(command, CancellationToken.None);

        var stored = Ledger.Orders.Single();
        var transition = AuditOf(AuditEventType.StateTransition).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Placed>());
            Assert.That(outcome.Order!.Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(stored.ExchangeOrderId, Is.EqualTo("PAPER:BTCUSDT:8801"));
            Assert.That(stored.IdempotencyKey, Is.EqualTo(key));
            Assert.That(transition.Data["from"], Is.EqualTo("PENDING"));
            Assert.That(transition.Data["to"], Is.EqualTo("OPEN"));
            Assert.That(transition.Data["exchange_order_id"], Is.EqualTo("PAPER:BTCUSDT:8801"));
        }
    }

    [Test]
    public async Task An_order_filled_on_an_exchange_whose_clock_runs_ahead_reads_the_trades_of_its_own_minute_not_the_history()
    {
        // The paper exchange's clock runs Speed times faster than the ledger's: a window opened at the ledger's time of
        // the order held every trade of the symbol, read again after each order, and a long run slowed down as it traded.
        var exchangeNow = Start.AddDays(400);
        var earlier = SeedPending("earlier", Start, quantity: "0.5");
        Assert.That((await NewRecordFill().ExecuteAsync(FillOf(earlier, "PAPER-T0", "64000", "0.5", exchangeNow.AddMinutes(-10)), CancellationToken.None)).Status, Is.EqualTo(RecordFillStatus.Recorded));
        var command = BuyMarket(Intent(), "0.5");
        var key = IdempotencyKey.For(command.Intent);
        ExchangeAnswers(new PlaceOrderResult.Accepted(AtExchange(key.Value, "8801", OrderStatus.Filled, quantity: "0.5", filled: "0.5", limitPrice: null) with { UpdatedAt = exchangeNow }));
        var asked = new List<DateTimeOffset>();
        Exchange
            .Setup(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Callback((Symbol _, DateTimeOffset since, CancellationToken _) => asked.Add(since))
            .ReturnsAsync([Trade("PAPER-T1", "8801", key.Value, Side.Buy, "64000", "0.5", exchangeNow, usdtFee: "12.8")]);

        var outcome = await NewPlaceOrder().ExecuteAsync(command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.Order!.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(asked, Has.Count.EqualTo(1));
            // From the symbol's cursor (its last fill, ten exchange minutes before, less the hour of overlap): the trades of
            // other orders since it are read before this fill moves it; and not from 400 days back.
            Assert.That(asked, Has.All.InRange(exchangeNow.AddHours(-2), exchangeNow.AddMinutes(-70)), "the trades asked for start at the symbol's cursor, in the exchange's time");
        }
    }

    [Test]
    public async Task An_order_accepted_already_filled_is_recorded_filled_with_its_fills_and_position()
    {
        var command = BuyMarket(Intent(), "0.5");
        var key = IdempotencyKey.For(command.Intent);
        ExchangeAnswers(new PlaceOrderResult.Accepted(AtExchange(key.Value, "8801", OrderStatus.Filled, quantity: "0.5", filled: "0.5", limitPrice: null)));
        ExchangeReportsTrades(
            Trade("PAPER-T1", "8801", key.Value, Side.Buy, "64000", "0.2", Start, usdtFee: "5.12"),
            Trade("PAPER-T2", "8801", key.Value, Side.Buy, "64010", "0.3", Start, usdtFee: "7.6812"));

        var outcome = await NewPlaceOrder().ExecuteAsync(command, CancellationToken.None);

        var stored = Ledger.Orders.Single();
        var position = StoredPosition();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Placed>());
            Assert.That(outcome.Order!.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(stored.FilledQuantity, Is.EqualTo(Quantity.Parse("0.5")));
            Assert.That(Ledger.Fills.Select(f => f.Fill.ExchangeFillId.Value), Is.EquivalentTo<string>(["PAPER-T1", "PAPER-T2"]));
            Assert.That(Ledger.Fills.Select(f => f.Fill.OrderId), Has.All.EqualTo(stored.Id));
            Assert.That(position, Is.Not.Null);
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("0.5")));

            // 0.2 × 64000 + 0.3 × 64010 = 12800 + 19203
            Assert.That(position.EntryNotional, Is.EqualTo(Amount.Parse("32003")));
            Assert.That(position.FeesPaid, Is.EqualTo(Amount.Parse("12.8012")));
            Assert.That(AuditOf(AuditEventType.Fill), Has.Count.EqualTo(2));
        }
    }

    [Test]
    public async Task A_rejected_order_becomes_rejected_with_a_state_transition_event_carrying_the_reason()
    {
        var command = BuyLimit(Intent());
        ExchangeAnswers(new PlaceOrderResult.Rejected("-2019 Margin is insufficient"));

        var outcome = await NewPlaceOrder().ExecuteAsync(command, CancellationToken.None);

        var transition = AuditOf(AuditEventType.StateTransition).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Rejected>());
            Assert.That(((PlaceOrderOutcome.Rejected)outcome).Reason, Is.EqualTo("-2019 Margin is insufficient"));
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Rejected));
            Assert.That(transition.Data["from"], Is.EqualTo("PENDING"));
            Assert.That(transition.Data["to"], Is.EqualTo("REJECTED"));
            Assert.That(transition.Data["reason"], Is.EqualTo("-2019 Margin is insufficient"));
        }
    }

    [Test]
    public async Task An_unknown_outcome_leaves_the_order_pending_with_an_error_event()
    {
        var command = BuyLimit(Intent());
        ExchangeAnswers(new PlaceOrderResult.Unknown("timeout after 10s"));

        var outcome = await NewPlaceOrder().ExecuteAsync(command, CancellationToken.None);

        var error = AuditOf(AuditEventType.Error).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Unknown>());
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Pending));
            Assert.That(Ledger.Orders.Single().ExchangeOrderId, Is.Null);
            Assert.That(error.Data["idempotency_key"], Is.EqualTo(IdempotencyKey.For(command.Intent).Value));
            Assert.That(error.Data["reason"], Is.EqualTo("timeout after 10s"));
            Assert.That(AuditOf(AuditEventType.StateTransition), Is.Empty);
        }
    }

    [Test]
    public async Task An_exception_from_the_exchange_is_an_unknown_outcome_and_the_order_stays_pending()
    {
        var command = BuyLimit(Intent());
        Exchange
            .Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new HttpRequestException("connection reset by peer"));

        var outcome = await NewPlaceOrder().ExecuteAsync(command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Unknown>());
            Assert.That(((PlaceOrderOutcome.Unknown)outcome).Reason, Does.Contain("HttpRequestException").And.Contain("connection reset by peer"));
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Pending));
            Assert.That(AuditOf(AuditEventType.Error), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task Cancellation_of_the_caller_is_not_swallowed()
    {
        var command = BuyLimit(Intent());
        using var stopping = new CancellationTokenSource();
        Exchange
            .Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .Returns<OrderRequest, CancellationToken>(async (_, ct) =>
            {
                await stopping.CancelAsync();
                ct.ThrowIfCancellationRequested();
                return new PlaceOrderResult.Unknown("unreachable");
            });

        await Assert.ThatAsync(() => NewPlaceOrder().ExecuteAsync(command, stopping.Token), Throws.InstanceOf<OperationCanceledException>());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Pending));
            Assert.That(AuditOf(AuditEventType.Error), Is.Empty);
        }
    }

    [Test]
    public async Task A_timeout_inside_the_exchange_call_is_an_unknown_outcome()
    {
        var command = BuyLimit(Intent());
        Exchange
            .Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout"));

        var outcome = await NewPlaceOrder().ExecuteAsync(command, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Unknown>());
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Pending));
            Assert.That(AuditOf(AuditEventType.Error), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task An_intent_for_another_exchange_is_refused_before_anything_is_written()
    {
        var intent = new TradingIntent("basis-carry", new ExchangeName("BINANCE"), BtcUsdt, Start, "open");

        await Assert.ThatAsync(() => NewPlaceOrder().ExecuteAsync(BuyLimit(intent), CancellationToken.None), Throws.ArgumentException);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ledger.Orders, Is.Empty);
            Assert.That(Ledger.AuditEvents, Is.Empty);
            Exchange.Verify(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        }
    }
}
