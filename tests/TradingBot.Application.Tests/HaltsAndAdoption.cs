using Moq;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Reconciliation;
using TradingBot.Application.Tests.Support;
using TradingBot.Application.Trading;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Tests;

/// <summary>
/// The exchange is the truth: reconciliation records the trades behind the positions it reads, re-reads live orders,
/// adopts orders judged never placed, and halts a symbol whose position differs from the exchange's or is beyond the
/// strategy's intent, until the cause is gone or the operator adopts the position.
/// </summary>
public class HaltsAndAdoption : LedgerTestBase
{
    private static readonly PositionIntent OneShort = new(Amount.Parse("-0.01"), Amount.Zero);
    private readonly List<ExchangeTrade> _trades = [];
    private readonly Dictionary<IdempotencyKey, OrderLookupResult> _lookups = [];
    private string _exchangePosition = "0";

    [SetUp]
    public void ExchangeHoldsWhatItIsTold()
    {
        _trades.Clear();
        _lookups.Clear();
        _exchangePosition = "0";
        Exchange.Setup(e => e.GetBalancesAsync(It.IsAny<CancellationToken>())).ReturnsAsync([]);
        Exchange.Setup(e => e.GetOpenOrdersAsync(null, It.IsAny<CancellationToken>())).ReturnsAsync([]);
        Exchange.Setup(e => e.GetPositionsAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => Amount.Parse(_exchangePosition).IsZero ? [] : [new PositionView(BtcUsdt, Amount.Parse(_exchangePosition), Price.Parse("64000"))]);
        Exchange.Setup(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Symbol _, DateTimeOffset since, CancellationToken _) => [.. _trades.Where(t => t.Time >= since)]);
        Exchange.Setup(e => e.GetOrderAsync(BtcUsdt, It.IsAny<IdempotencyKey>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Symbol _, IdempotencyKey key, CancellationToken _) => _lookups.GetValueOrDefault(key, new OrderLookupResult.NotFound()));
    }

    private Task<ReconciliationReport> ReconcileAsync(PositionIntent? intent = null) =>
        NewReconcile().ExecuteAsync(new ReconciliationScope([BtcUsdt], intent ?? OneShort), CancellationToken.None);

    private static ExchangeTrade Sold(string id, string orderId, string? clientOrderId, string quantity, DateTimeOffset at) =>
        Trade(id, orderId, clientOrderId, Side.Sell, "64000", quantity, at);

    [Test]
    public async Task Positions_that_differ_halt_the_symbol_and_the_halt_lifts_when_they_agree_again()
    {
        _exchangePosition = "-0.01"; // the exchange already shows a trade its trade list does not yet

        var first = await ReconcileAsync();
        _trades.Add(Sold("PAPER-T1", "9001", "web_abc", "0.01", Start));
        var second = await ReconcileAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.HaltChanges.Single().Began, Is.True);
            Assert.That(first.ActiveHalts.Single().Reason, Is.EqualTo(HaltReason.PositionDiffers));
            Assert.That(first.ActiveHalts.Single().Detail, Does.Contain("the ledger holds 0").And.Contain("the exchange -0.01"));
            Assert.That(second.HaltChanges.Single().Began, Is.False, "lifted");
            Assert.That(second.ActiveHalts, Is.Empty);
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("-0.01")), "the external trade was recorded before the positions were compared");
            Assert.That(AuditOf(AuditEventType.StateTransition).Where(e => e.Data.ContainsKey("event")).Select(e => e.Data["event"]), Is.EqualTo((string[])["symbol halted: no new orders until the cause is gone", "symbol halt lifted"]));
        }
    }

    [Test]
    public async Task A_position_beyond_the_intent_halts_even_when_ledger_and_exchange_agree()
    {
        _exchangePosition = "-0.02";
        _trades.Add(Sold("PAPER-T1", "9001", "web_abc", "0.02", Start));

        var report = await ReconcileAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Differences, Is.Empty);
            Assert.That(report.ActiveHalts.Single().Reason, Is.EqualTo(HaltReason.BeyondIntent));
        }
    }

    [Test]
    public async Task An_order_expired_at_the_exchange_ends_cancelled_with_the_fills_it_had()
    {
        var order = SeedOpen("open", "8801", side: Side.Sell, quantity: "0.01");
        _trades.Add(Sold("PAPER-T1", "8801", order.IdempotencyKey.Value, "0.004", Start));
        _lookups[order.IdempotencyKey] = new OrderLookupResult.Found(AtExchange(order.IdempotencyKey.Value, "8801", OrderStatus.Cancelled, quantity: "0.01", filled: "0.004", side: Side.Sell));
        _exchangePosition = "-0.004";

        await ReconcileAsync();

        var stored = StoredOrder(order.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.Cancelled));
            Assert.That(stored.FilledQuantity, Is.EqualTo(Quantity.Parse("0.004")));
        }
    }

    [Test]
    public async Task An_order_the_exchange_no_longer_knows_is_resolved_from_its_trades_and_the_rest_cancelled()
    {
        var partly = SeedOpen("open", "8801", side: Side.Sell, quantity: "0.01", createdAt: Start.AddDays(-4));
        var untouched = SeedOpen("again", "8802", side: Side.Sell, quantity: "0.01", createdAt: Start.AddDays(-4));
        _trades.Add(Sold("PAPER-T1", "8801", partly.IdempotencyKey.Value, "0.004", Start.AddDays(-4)));
        _exchangePosition = "-0.004";

        await ReconcileAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That((StoredOrder(partly.Id).Status, StoredOrder(partly.Id).FilledQuantity), Is.EqualTo((OrderStatus.Cancelled, Quantity.Parse("0.004"))));
            Assert.That(StoredOrder(untouched.Id).Status, Is.EqualTo(OrderStatus.Cancelled));
        }
    }

    // The order's creation is the host's time, its trade the exchange's, two hours behind; a later fill has moved the
    // symbol's cursor past the trade, so only the re-read from the order's creation, converted, finds it.
    [Test]
    public async Task An_order_the_exchange_no_longer_knows_is_resolved_from_its_trades_when_the_exchange_clock_is_two_hours_behind()
    {
        ExchangeClockAhead = TimeSpan.FromHours(-2);
        var partly = SeedOpen("open", "8801", side: Side.Sell, quantity: "0.01", createdAt: Start.AddDays(-4));
        var recent = SeedOpen("again", "8802", side: Side.Sell, quantity: "0.01", createdAt: Start.AddMinutes(-15));
        var recentTrade = Sold("PAPER-T2", "8802", recent.IdempotencyKey.Value, "0.01", Start.AddMinutes(-10) + ExchangeClockAhead);
        await NewRecordFill().ExecuteAsync(FillOf(recent, "PAPER-T2", "64000", "0.01", recentTrade.Time), CancellationToken.None);
        _trades.Add(Sold("PAPER-T1", "8801", partly.IdempotencyKey.Value, "0.004", Start.AddDays(-4) + ExchangeClockAhead));
        _trades.Add(recentTrade);
        _exchangePosition = "-0.014";

        await ReconcileAsync(new PositionIntent(Amount.Parse("-0.02"), Amount.Zero));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((StoredOrder(partly.Id).Status, StoredOrder(partly.Id).FilledQuantity), Is.EqualTo((OrderStatus.Cancelled, Quantity.Parse("0.004"))));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("-0.014")));
        }
    }

    [Test]
    public async Task An_order_open_at_the_exchange_under_a_key_judged_never_placed_is_adopted()
    {
        var judged = SeedPending("open", Start.AddMinutes(-5), Side.Sell, quantity: "0.01");
        Ledger.Seed(Order.Rehydrate(judged.Id, judged.Exchange, judged.Symbol, judged.Side, judged.Type, judged.Quantity, judged.LimitPrice,
            judged.IdempotencyKey, OrderStatus.Rejected, null, Quantity.Zero, judged.CreatedAt, Start));
        var open = AtExchange(judged.IdempotencyKey.Value, "8801", OrderStatus.Open, quantity: "0.01", side: Side.Sell);
        Exchange.Setup(e => e.GetOpenOrdersAsync(null, It.IsAny<CancellationToken>())).ReturnsAsync([open]);

        var report = await ReconcileAsync();

        var stored = StoredOrder(judged.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(stored.ExchangeOrderId, Is.EqualTo("PAPER:BTCUSDT:8801"));
            Assert.That(report.ForeignOpenOrders, Is.Empty);
            Assert.That(AuditOf(AuditEventType.StateTransition).Single().Data["reason"], Does.Contain("never placed is corrected"));
        }
    }

    [Test]
    // The adopted trade is the exchange's time (it becomes the symbol's trade cursor), whichever way this host's clock is off.
    [TestCase(0)]
    [TestCase(-2)]
    [TestCase(2)]
    public async Task The_operator_adopts_a_position_the_ledger_has_no_trades_for_and_the_halt_lifts(int exchangeHoursAhead)
    {
        ExchangeClockAhead = TimeSpan.FromHours(exchangeHoursAhead);
        _exchangePosition = "-0.01";
        await ReconcileAsync();

        var adoption = await new AdoptPosition(Ledger, Exchange.Object, Clock, NewIngestTrades(), NewRecordFill())
            .ExecuteAsync(BtcUsdt, OneShort, "operator", CancellationToken.None);
        var after = await ReconcileAsync();

        var external = Ledger.Orders.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(adoption.Adopted, Is.EqualTo(Amount.Parse("-0.01")));
            Assert.That(adoption.Halt!.Began, Is.False);
            Assert.That(external.IsExternal, Is.True);
            Assert.That(external.IdempotencyKey.Value, Does.StartWith("EXT:PAPER:BTCUSDT:ADOPT-"));
            Assert.That((external.Side, external.Quantity), Is.EqualTo((Side.Sell, Quantity.Parse("0.01"))));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("-0.01")));
            Assert.That(StoredPosition()!.AverageEntryPrice, Is.EqualTo(Price.Parse("64000")), "at the exchange's entry price");
            Assert.That(StoredPosition()!.LastFilledAt, Is.EqualTo(Start + ExchangeClockAhead), "the cursor is the exchange's time of the adoption");
            Assert.That(after.ActiveHalts, Is.Empty);
            Assert.That(AuditOf(AuditEventType.Reconciliation).Any(e => e.Data.GetValueOrDefault("event", "").StartsWith("position adopted", StringComparison.Ordinal)), Is.True);
        }
    }

    [Test]
    public async Task A_position_is_compared_and_halts_its_symbol_even_when_its_trades_cannot_be_read()
    {
        _exchangePosition = "-0.01";
        Exchange.Setup(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ExchangeException("GET /fapi/v1/userTrades could not be answered: 503"));

        var report = await ReconcileAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.ActiveHalts.Single().Reason, Is.EqualTo(HaltReason.PositionDiffers), "a fresh ledger never trades on a position it does not know");
            Assert.That(report.Differences, Has.Some.Contains("its trades could not be read"));
        }
    }

    [Test]
    public async Task An_order_whose_re_read_fails_is_a_difference_and_the_reconciliation_goes_on()
    {
        var order = SeedOpen("open", "8801", side: Side.Sell, quantity: "0.01");
        _lookups[order.IdempotencyKey] = new OrderLookupResult.Found(AtExchange(order.IdempotencyKey.Value, "8801", OrderStatus.Filled, quantity: "0.01", filled: "0.01", side: Side.Sell));
        var reads = 0;
        Exchange.Setup(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => ++reads == 1 ? [] : throw new ExchangeException("GET /fapi/v1/userTrades timed out"));

        var report = await ReconcileAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Differences, Has.Some.Contains($"order {order.IdempotencyKey} (BTCUSDT) could not be read again").And.Some.Contains("timed out"));
            Assert.That(Ledger.StateSnapshots, Has.Count.EqualTo(1));
            Assert.That(StoredOrder(order.Id).Status, Is.EqualTo(OrderStatus.Open));
        }
    }

    [Test]
    public async Task An_order_filled_at_the_exchange_short_of_the_ledgers_quantity_ends_cancelled_so_its_symbol_trades_again()
    {
        // Written before quantities were rounded: the ledger holds 0.0105, the exchange took and filled 0.010.
        var order = SeedOpen("open", "8801", side: Side.Sell, quantity: "0.0105", createdAt: Start.AddHours(-1));
        _trades.Add(Sold("PAPER-T1", "8801", order.IdempotencyKey.Value, "0.01", Start.AddHours(-1)));
        _lookups[order.IdempotencyKey] = new OrderLookupResult.Found(AtExchange(order.IdempotencyKey.Value, "8801", OrderStatus.Filled, quantity: "0.01", filled: "0.01", side: Side.Sell));
        _exchangePosition = "-0.01";

        await ReconcileAsync();

        var stored = StoredOrder(order.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((stored.Status, stored.FilledQuantity), Is.EqualTo((OrderStatus.Cancelled, Quantity.Parse("0.01"))));
            Assert.That(stored.Status.IsOpen(), Is.False);
        }
    }

    [Test]
    public async Task An_open_order_the_exchange_briefly_does_not_show_stays_open_within_the_visibility_margin()
    {
        var order = SeedOpen("open", "8801", side: Side.Sell, quantity: "0.01", createdAt: Start.AddSeconds(-5));

        await ReconcileAsync();

        Assert.That(StoredOrder(order.Id).Status, Is.EqualTo(OrderStatus.Open), "\"does not exist\" may be Binance's query service lagging");
    }

    [Test]
    public async Task Adopting_is_recorded_once_when_every_commit_answer_is_lost()
    {
        _exchangePosition = "-0.01";
        Ledger.LoseEveryCommitAnswer = true;

        var adoption = await new AdoptPosition(Ledger, Exchange.Object, Clock, NewIngestTrades(), NewRecordFill())
            .ExecuteAsync(BtcUsdt, OneShort, "operator", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(adoption.Adopted, Is.EqualTo(Amount.Parse("-0.01")));
            Assert.That(Ledger.Fills, Has.Count.EqualTo(1));
            Assert.That(AuditOf(AuditEventType.Reconciliation).Count(e => e.Data.GetValueOrDefault("event", "").StartsWith("position adopted", StringComparison.Ordinal)), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Adopting_when_ledger_and_exchange_agree_records_nothing()
    {
        var adoption = await new AdoptPosition(Ledger, Exchange.Object, Clock, NewIngestTrades(), NewRecordFill())
            .ExecuteAsync(BtcUsdt, OneShort, "operator", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(adoption.Adopted, Is.EqualTo(Amount.Zero));
            Assert.That(adoption.Message, Does.Contain("nothing to adopt"));
            Assert.That(Ledger.Orders, Is.Empty);
        }
    }
}
