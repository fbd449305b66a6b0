using Moq;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Tests;

public class TradeIngestion : LedgerTestBase
{
    private Task<Orders.TradeIngestion> Ingest() => NewIngestTrades().ExecuteAsync(BtcUsdt, Start.AddHours(-1), CancellationToken.None);

    [Test]
    public async Task Trades_delivered_twice_and_out_of_order_are_recorded_exactly_once_each()
    {
        var order = SeedOpen("open", "8801", quantity: "1");
        var key = order.IdempotencyKey.Value;
        var early = Trade("PAPER-T1", "8801", key, Side.Buy, "64000", "0.4", Start.AddMinutes(1));
        var late = Trade("PAPER-T2", "8801", key, Side.Buy, "64100", "0.6", Start.AddMinutes(2));
        Exchange
            .SetupSequence(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([late, early])
            .ReturnsAsync([early, late]);

        var first = await Ingest();
        var second = await Ingest();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.EqualTo(new Orders.TradeIngestion(Recorded: 2, Duplicates: 0, Foreign: 0, Refused: 0)));
            Assert.That(second, Is.EqualTo(new Orders.TradeIngestion(Recorded: 0, Duplicates: 2, Foreign: 0, Refused: 0)));
            Assert.That(Ledger.Fills.Select(f => f.Fill.ExchangeFillId.Value), Is.EquivalentTo<string>(["PAPER-T1", "PAPER-T2"]));
            Assert.That(StoredOrder(order.Id).Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("1")));
            Assert.That(StoredPosition()!.FillCount, Is.EqualTo(2));
            Assert.That(AuditOf(AuditEventType.Fill), Has.Count.EqualTo(2));
        }
    }

    [Test]
    public async Task Trades_read_again_that_the_ledger_has_cost_one_unit_of_work_together_and_only_the_new_one_is_recorded()
    {
        // The cursor steps back an hour, so every cycle reads again what the last ones recorded: an order that walked the
        // book in a thousand trades used to cost two units of work per trade, every cycle, for an hour.
        var order = SeedOpen("open", "8801", quantity: "1");
        var key = order.IdempotencyKey.Value;
        var trades = Enumerable.Range(1, 5).Select(i => Trade($"PAPER-T{i}", "8801", key, Side.Buy, "64000", "0.1", Start.AddMinutes(i))).ToList();
        var next = Trade("PAPER-T6", "8801", key, Side.Buy, "64000", "0.1", Start.AddMinutes(6));
        Exchange
            .SetupSequence(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(trades)
            .ReturnsAsync([.. trades])
            .ReturnsAsync([.. trades, next]);

        await Ingest();
        var before = Ledger.Commits;
        var again = await Ingest();
        var readAgain = Ledger.Commits - before;
        before = Ledger.Commits;
        var withOneNew = await Ingest();
        var withOneNewCost = Ledger.Commits - before;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again, Is.EqualTo(new Orders.TradeIngestion(Recorded: 0, Duplicates: 5, Foreign: 0, Refused: 0)));
            Assert.That(readAgain, Is.EqualTo(1), "one read tells which trades are stored");
            Assert.That(withOneNew, Is.EqualTo(new Orders.TradeIngestion(Recorded: 1, Duplicates: 5, Foreign: 0, Refused: 0)));
            Assert.That(withOneNewCost, Is.EqualTo(3), "that read, then the new trade's order lookup and its record");
            Assert.That(Ledger.Fills, Has.Count.EqualTo(6));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("0.6")));
        }
    }

    // The halt is stamped with this host's clock, the trades with the exchange's: the window is converted, so a host clock two
    // hours fast (the exchange behind) still reaches the late trade, and one two hours slow does not read two hours too many.
    [TestCase(0)]
    [TestCase(-2)]
    [TestCase(2)]
    public async Task A_trade_seen_after_the_cursor_passed_it_is_found_while_the_symbol_is_halted_for_its_position(int exchangeHoursAhead)
    {
        ExchangeClockAhead = TimeSpan.FromHours(exchangeHoursAhead);
        var exchangeStart = Start + ExchangeClockAhead;
        var order = SeedOpen("open", "8801", side: Side.Sell, quantity: "1");
        var key = order.IdempotencyKey.Value;
        var late = Trade("PAPER-T1", "8801", key, Side.Sell, "64000", "0.4", exchangeStart);                   // visible only later
        var later = Trade("PAPER-T2", "8801", key, Side.Sell, "64100", "0.6", exchangeStart.AddMinutes(70));
        var visible = new List<ExchangeTrade> { later };
        var asked = new List<DateTimeOffset>();
        Exchange
            .Setup(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Symbol _, DateTimeOffset since, CancellationToken _) =>
            {
                asked.Add(since);
                return [.. visible.Where(t => t.Time >= since)];
            });
        Clock.Set(Start.AddMinutes(71));
        var ingest = NewIngestTrades();

        await ingest.CatchUpAsync(BtcUsdt, CancellationToken.None);
        visible.Add(late);
        var unhalted = await ingest.CatchUpAsync(BtcUsdt, CancellationToken.None); // from an hour before the latest fill: 12:10
        await Ledger.ExecuteAsync(
            async (session, ct) =>
            {
                await session.Halts.SaveAsync(new SymbolHalt(Paper, BtcUsdt, HaltReason.PositionDiffers, "ledger -0.6, exchange -1", Start.AddMinutes(1)), ct);
                return true;
            },
            CancellationToken.None);
        var halted = await ingest.CatchUpAsync(BtcUsdt, CancellationToken.None);   // from an hour before the halt began: 11:01, exchange time

        using (Assert.EnterMultipleScope())
        {
            Assert.That(unhalted.Recorded, Is.Zero, "the cursor's hour of overlap does not reach back to the late trade");
            Assert.That(halted.Recorded, Is.EqualTo(1));
            Assert.That(asked[^1], Is.EqualTo(exchangeStart.AddMinutes(1) - TimeSpan.FromHours(1)), "an hour before the halt, in the exchange's time");
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("-1")));
            Assert.That(StoredOrder(order.Id).Status, Is.EqualTo(OrderStatus.Filled));
        }
    }

    // The paper exchange's clock runs 600 times faster than the host's: a halt is noticed half a minute of real time after
    // its trade, five hours of the exchange's. The halt's hour is the host's, converted, not an hour of the exchange's.
    [Test]
    public async Task On_a_fast_exchange_clock_the_halts_hour_is_the_hosts_and_reaches_a_trade_hours_of_exchange_time_before_it()
    {
        const int Speed = 600;
        Exchange
            .Setup(e => e.ExchangeTimeAtAsync(It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((DateTimeOffset host, CancellationToken _) => Start + (host - Start) * Speed);
        var order = SeedOpen("open", "8801", side: Side.Sell, quantity: "1");
        var key = order.IdempotencyKey.Value;
        var haltedAt = Start.AddMinutes(10);
        var late = Trade("PAPER-T1", "8801", key, Side.Sell, "64000", "0.4", Start + (haltedAt.AddSeconds(-30) - Start) * Speed);
        var later = Trade("PAPER-T2", "8801", key, Side.Sell, "64100", "0.6", Start + (haltedAt.AddSeconds(-10) - Start) * Speed);
        var visible = new List<ExchangeTrade> { later };
        Exchange
            .Setup(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Symbol _, DateTimeOffset since, CancellationToken _) => (IReadOnlyList<ExchangeTrade>)[.. visible.Where(t => t.Time >= since)]);
        Clock.Set(haltedAt);
        var ingest = NewIngestTrades();

        await ingest.CatchUpAsync(BtcUsdt, CancellationToken.None);
        visible.Add(late);
        await Ledger.ExecuteAsync(
            async (session, ct) =>
            {
                await session.Halts.SaveAsync(new SymbolHalt(Paper, BtcUsdt, HaltReason.PositionDiffers, "ledger -0.6, exchange -1", haltedAt), ct);
                return true;
            },
            CancellationToken.None);
        var halted = await ingest.CatchUpAsync(BtcUsdt, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(halted.Recorded, Is.EqualTo(1), "the trade five hours of the exchange's time before the halt");
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("-1")));
        }
    }

    [Test]
    public async Task A_trade_is_matched_to_its_order_by_client_order_id()
    {
        // The exchange id never reached the ledger (the order is still PENDING); the key is enough.
        var order = SeedPending("open", Start.AddMinutes(-5), quantity: "1");
        ExchangeReportsTrades(Trade("PAPER-T1", "8801", order.IdempotencyKey.Value, Side.Buy, "64000", "0.25", Start));

        var ingestion = await Ingest();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ingestion.Recorded, Is.EqualTo(1));
            Assert.That(Ledger.Fills.Single().Fill.OrderId, Is.EqualTo(order.Id));
            Assert.That(StoredOrder(order.Id).FilledQuantity, Is.EqualTo(Quantity.Parse("0.25")));
        }
    }

    [TestCase(null)]
    [TestCase("web_3fa1c2d9")]
    [TestCase("not a ledger key!")]
    public async Task A_trade_whose_client_order_id_names_no_ledger_order_is_matched_by_exchange_order_id(string? clientOrderId)
    {
        var order = SeedOpen("open", "8801", quantity: "1");
        ExchangeReportsTrades(Trade("PAPER-T1", "8801", clientOrderId, Side.Buy, "64000", "0.25", Start));

        var ingestion = await Ingest();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ingestion, Is.EqualTo(new Orders.TradeIngestion(Recorded: 1, Duplicates: 0, Foreign: 0, Refused: 0)));
            Assert.That(Ledger.Fills.Single().Fill.OrderId, Is.EqualTo(order.Id));
        }
    }

    [Test]
    public async Task A_trade_the_ledger_did_not_place_is_recorded_as_an_external_order_with_its_fill_position_and_audit()
    {
        SeedOpen("open", "8801", quantity: "1");
        ExchangeReportsTrades(Trade("PAPER-T9", "9999", "adl_autoclose", Side.Sell, "64000", "0.1", Start) with { OrderKind = "MARKET" });

        var ingestion = await Ingest();

        var external = Ledger.Orders.Single(o => o.IsExternal);
        var recorded = AuditOf(AuditEventType.Reconciliation).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ingestion, Is.EqualTo(new Orders.TradeIngestion(Recorded: 1, Duplicates: 0, Foreign: 1, Refused: 0)));
            Assert.That(external.IdempotencyKey.Value, Is.EqualTo("EXT:PAPER:BTCUSDT:9999"));
            Assert.That(external.ExchangeOrderId, Is.EqualTo("PAPER:BTCUSDT:9999"));
            Assert.That((external.Side, external.Type, external.Status), Is.EqualTo((Side.Sell, OrderType.Market, OrderStatus.Filled)));
            Assert.That(external.Quantity, Is.EqualTo(Quantity.Parse("0.1")));
            Assert.That(Ledger.Fills.Single().Fill.OrderId, Is.EqualTo(external.Id));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("-0.1")));
            Assert.That(recorded.Data["client_order_id"], Is.EqualTo("adl_autoclose"));
            Assert.That(recorded.Data["original_type"], Is.EqualTo("MARKET"));
            Assert.That(AuditOf(AuditEventType.Fill), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task An_external_trade_fetched_again_and_again_is_recorded_once_and_its_order_grows_with_later_trades()
    {
        var first = Trade("PAPER-T9", "9999", "autoclose-1596107620040000020", Side.Buy, "64000", "0.1", Start) with { OrderKind = "LIMIT", OrderPrice = Price.Parse("64100") };
        var second = Trade("PAPER-T10", "9999", "autoclose-1596107620040000020", Side.Buy, "64001", "0.2", Start.AddSeconds(1)) with { OrderKind = "LIMIT", OrderPrice = Price.Parse("64100") };
        Exchange
            .SetupSequence(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([first])
            .ReturnsAsync([first, second])
            .ReturnsAsync([second, first, second]);

        var cycles = new[] { await Ingest(), await Ingest(), await Ingest() };

        var external = Ledger.Orders.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(cycles.Select(c => c.Recorded), Is.EqualTo((int[])[1, 1, 0]));
            Assert.That(cycles.Select(c => c.Duplicates), Is.EqualTo((int[])[0, 1, 3]));
            Assert.That((external.Type, external.LimitPrice), Is.EqualTo((OrderType.Limit, (Price?)Price.Parse("64100"))));
            Assert.That(external.Quantity, Is.EqualTo(Quantity.Parse("0.3")));
            Assert.That(external.FilledQuantity, Is.EqualTo(Quantity.Parse("0.3")));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("0.3")));
            Assert.That(AuditOf(AuditEventType.Reconciliation), Has.Count.EqualTo(1), "the external order is announced once");
        }
    }

    [Test]
    public async Task An_external_trade_is_recorded_once_when_every_commit_answer_is_lost()
    {
        ExchangeReportsTrades(Trade("PAPER-T9", "9999", "web_manual", Side.Sell, "64000", "0.1", Start));
        Ledger.LoseEveryCommitAnswer = true;

        await Ingest();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ledger.Orders, Has.Count.EqualTo(1));
            Assert.That(Ledger.Fills, Has.Count.EqualTo(1));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("-0.1")));
            Assert.That(AuditOf(AuditEventType.Reconciliation), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task Exchange_order_ids_are_matched_within_their_symbol_only()
    {
        // Binance order ids are unique per symbol: ETHUSDT's order 8801 is not BTCUSDT's order 8801.
        var btc = SeedOpen("open", "8801", quantity: "1");
        var eth = new Symbol("ETHUSDT");
        Exchange
            .Setup(e => e.GetTradesAsync(eth, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([new ExchangeTrade(new ExchangeFillId("PAPER:ETHUSDT:1"), "8801", null, eth, Side.Sell, Price.Parse("3200"), Quantity.Parse("0.5"), Money.Parse("0", Usdt), Start)]);

        await NewIngestTrades().ExecuteAsync(eth, Start.AddHours(-1), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(StoredOrder(btc.Id).FilledQuantity, Is.EqualTo(Quantity.Zero));
            Assert.That(Ledger.Orders.Single(o => o.IsExternal).Symbol, Is.EqualTo(eth));
        }
    }

    [Test]
    public async Task A_late_trade_of_an_order_judged_never_placed_is_adopted_and_counted_as_a_correction()
    {
        var judged = SeedPending("open", Start.AddMinutes(-5), Side.Sell, quantity: "0.01");
        Ledger.Seed(Order.Rehydrate(
            judged.Id, judged.Exchange, judged.Symbol, judged.Side, judged.Type, judged.Quantity, judged.LimitPrice,
            judged.IdempotencyKey, OrderStatus.Rejected, null, Quantity.Zero, judged.CreatedAt, Start));
        ExchangeReportsTrades(Trade("PAPER-T1", "8801", judged.IdempotencyKey.Value, Side.Sell, "64000", "0.01", Start));

        var ingestion = await Ingest();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ingestion.Corrections, Is.EqualTo(1));
            Assert.That(StoredOrder(judged.Id).Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("-0.01")));
        }
    }

    [Test]
    public async Task A_trade_that_would_over_fill_its_order_is_counted_refused_and_audited_as_an_error()
    {
        var order = SeedOpen("open", "8801", quantity: "0.5");
        ExchangeReportsTrades(
            Trade("PAPER-T1", "8801", order.IdempotencyKey.Value, Side.Buy, "64000", "0.5", Start),
            Trade("PAPER-T2", "8801", order.IdempotencyKey.Value, Side.Buy, "64000", "0.1", Start.AddSeconds(1)));

        var ingestion = await Ingest();

        var error = AuditOf(AuditEventType.Error).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ingestion, Is.EqualTo(new Orders.TradeIngestion(Recorded: 1, Duplicates: 0, Foreign: 0, Refused: 1)));
            Assert.That(Ledger.Fills.Select(f => f.Fill.ExchangeFillId.Value), Is.EqualTo<string[]>(["PAPER-T1"]));
            Assert.That(error.Data["exchange_fill_id"], Is.EqualTo("PAPER-T2"));
            Assert.That(error.Data["error"], Does.Contain("Refused"));
        }
    }
}
