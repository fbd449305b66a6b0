using System.Globalization;
using Moq;
using TradingBot.Application.Ports;
using TradingBot.Application.Tests.Support;
using TradingBot.Application.Trading;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Tests;

/// <summary>
/// The worker's cycle, on the in-memory ledger with the real use cases and a mocked exchange that behaves
/// like a small one: it keeps the orders it was sent by client order id, fills market orders at the mark
/// price at once, and answers trade and funding-payment queries from what happened at or after <c>since</c>.
/// </summary>
public class TradingCycleOrder : LedgerTestBase
{
    private const string Actor = "worker-7:4242";
    private const string AboveEntry = "3.8246";
    private const string BelowExit = "-0.5";
    private const string BetweenExitAndEntry = "0.5";

    private static readonly Symbol EthUsdt = new("ETHUSDT");
    private static readonly TimeSpan PollInterval = TimeSpan.FromMinutes(5);
    private static readonly FundingHarvestSettings Strategy =
        new(FundingRate.ParseBasisPoints("1"), FundingRate.ParseBasisPoints("0.25"), Quantity.Parse("0.01"));

    private readonly Dictionary<Symbol, FundingRate> _rates = [];
    private readonly Dictionary<IdempotencyKey, ExchangeOrderState> _book = [];
    private readonly List<ExchangeTrade> _trades = [];
    private readonly List<FundingPayment> _payments = [];
    private readonly List<string> _calls = [];
    private readonly List<(Symbol Symbol, DateTimeOffset Since)> _tradeQueries = [];
    private readonly List<DateTimeOffset> _paymentQueries = [];
    private readonly List<OrderRequest> _requests = [];
    private readonly HashSet<Symbol> _failing = [];
    private bool _placingTimesOut;
    private bool _lookupsFail;
    private string? _rejection;

    [SetUp]
    public void SimulateTheExchange()
    {
        _rates.Clear();
        _book.Clear();
        _trades.Clear();
        _payments.Clear();
        _calls.Clear();
        _tradeQueries.Clear();
        _paymentQueries.Clear();
        _requests.Clear();
        _failing.Clear();
        _placingTimesOut = false;
        _lookupsFail = false;
        _rejection = null;

        Exchange
            .Setup(e => e.GetFundingQuoteAsync(It.IsAny<Symbol>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Symbol symbol, CancellationToken _) => _failing.Contains(symbol) ? throw new ExchangeException($"GET /fapi/v1/premiumIndex: {symbol} timed out") : Quote(symbol));
        Exchange
            .Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((OrderRequest request, CancellationToken _) => Place(request));
        Exchange
            .Setup(e => e.GetOrderAsync(It.IsAny<Symbol>(), It.IsAny<IdempotencyKey>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Symbol symbol, IdempotencyKey key, CancellationToken _) => Lookup(symbol, key));
        Exchange
            .Setup(e => e.GetTradesAsync(It.IsAny<Symbol>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Symbol symbol, DateTimeOffset since, CancellationToken _) =>
            {
                _tradeQueries.Add((symbol, since));
                return [.. _trades.Where(t => t.Symbol == symbol && t.Time >= since)];
            });
        Exchange
            .Setup(e => e.GetFundingPaymentsAsync(It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((DateTimeOffset since, CancellationToken _) =>
            {
                _paymentQueries.Add(since);
                return [.. _payments.Where(p => p.PaidAt >= since)];
            });

        // Reconciliation: the exchange's positions are what its trades add up to; no balances or open orders matter here.
        Exchange.Setup(e => e.GetBalancesAsync(It.IsAny<CancellationToken>())).ReturnsAsync([]);
        Exchange.Setup(e => e.GetOpenOrdersAsync(null, It.IsAny<CancellationToken>())).ReturnsAsync([]);
        Exchange
            .Setup(e => e.GetPositionsAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => [.. _trades.GroupBy(t => t.Symbol)
                .Select(g => new PositionView(g.Key, new Amount(g.Sum(t => t.Side.Sign() * t.Quantity.Units)), null))
                .Where(p => !p.NetQuantity.IsZero)]);
    }

    private static Price MarkOf(Symbol symbol) => Price.Parse(symbol == EthUsdt ? "3200" : "64000");

    private static CycleSettings Settings(params Symbol[] symbols) => new(symbols, PollInterval, Strategy, Actor);

    private static IdempotencyKey HarvestKey(Symbol symbol, DateTimeOffset slot, string leg) =>
        IdempotencyKey.For(new TradingIntent(FundingHarvestSettings.StrategyId, Paper, symbol, slot, leg));

    private TradingCycle NewCycle() => new(
        Ledger, Exchange.Object, Clock, NewResolvePendingOrders(), NewIngestTrades(),
        NewRecordFundingPayment(), NewRecordFundingSnapshot(), NewPlaceOrder(), NewReconcile(), Metrics);

    private Task<CycleReport> RunCycle(params Symbol[] symbols) =>
        NewCycle().RunAsync(Settings(symbols.Length == 0 ? [BtcUsdt] : symbols), CancellationToken.None);

    private void FundingIs(Symbol symbol, string basisPoints) => _rates[symbol] = FundingRate.ParseBasisPoints(basisPoints);

    // Funding settles every 8 hours, at 00:00, 08:00 and 16:00 UTC.
    private FundingQuote Quote(Symbol symbol) =>
        new(symbol, _rates.GetValueOrDefault(symbol, FundingRate.ParseBasisPoints(BetweenExitAndEntry)), MarkOf(symbol), MarkOf(symbol), NextSettlement(Clock.UtcNow), Clock.UtcNow);

    private static DateTimeOffset NextSettlement(DateTimeOffset now) =>
        new(now.UtcTicks - (now.UtcTicks % TimeSpan.FromHours(8).Ticks) + TimeSpan.FromHours(8).Ticks, TimeSpan.Zero);

    private PlaceOrderResult Place(OrderRequest request)
    {
        _calls.Add($"place {request.Symbol}");
        _requests.Add(request);
        if (_rejection is { } reason)
        {
            return new PlaceOrderResult.Rejected(reason);
        }

        if (!_book.TryGetValue(request.ClientOrderId, out var state))
        {
            // A market order fills at once, at the mark price.
            var exchangeOrderId = $"X{_book.Count + 1}";
            state = new ExchangeOrderState(
                exchangeOrderId, request.ClientOrderId.Value, request.Symbol, request.Side, request.Type, request.Quantity,
                request.LimitPrice, request.Quantity, OrderStatus.Filled, Clock.UtcNow);
            _book[request.ClientOrderId] = state;
            _trades.Add(new ExchangeTrade(
                new ExchangeFillId($"PAPER-T{_trades.Count + 1}"), exchangeOrderId, request.ClientOrderId.Value, request.Symbol,
                request.Side, MarkOf(request.Symbol), request.Quantity, Money.Parse("0", Usdt), Clock.UtcNow));
        }

        // A timeout after the exchange took the order: it exists, but the caller cannot know.
        return _placingTimesOut ? new PlaceOrderResult.Unknown("timeout after 10s") : new PlaceOrderResult.Accepted(state);
    }

    private OrderLookupResult Lookup(Symbol symbol, IdempotencyKey key)
    {
        _calls.Add($"lookup {symbol}");
        if (_lookupsFail)
        {
            return new OrderLookupResult.Unknown("503 Service Unavailable");
        }

        return _book.TryGetValue(key, out var state) ? new OrderLookupResult.Found(state) : new OrderLookupResult.NotFound();
    }

    /// <summary>Puts a ledger order into the exchange's book, as if it had reached the exchange.</summary>
    private void ExchangeHas(Order order, string exchangeOrderId, OrderStatus status) =>
        _book[order.IdempotencyKey] = new ExchangeOrderState(
            exchangeOrderId, order.IdempotencyKey.Value, order.Symbol, order.Side, order.Type, order.Quantity,
            order.LimitPrice, Quantity.Zero, status, order.CreatedAt);

    /// <summary>A PENDING market sell of this strategy on <paramref name="symbol"/>, left by a crash.</summary>
    private Order SeedHarvestPending(Symbol symbol, DateTimeOffset createdAt)
    {
        var order = Order.CreatePending(
            OrderId.New(), Paper, symbol, Side.Sell, OrderType.Market, Strategy.OrderQuantity, null,
            HarvestKey(symbol, TradingCycle.SlotOf(createdAt, PollInterval), "open"), createdAt);
        Ledger.Seed(order);
        return order;
    }

    [Test]
    public async Task A_cycle_resolves_pending_orders_before_it_places_a_new_one()
    {
        var crashed = SeedHarvestPending(EthUsdt, Start.AddMinutes(-10));
        ExchangeHas(crashed, "E1", OrderStatus.Open);
        FundingIs(BtcUsdt, AboveEntry);
        FundingIs(EthUsdt, AboveEntry);

        var report = await RunCycle(BtcUsdt, EthUsdt);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_calls, Is.EqualTo<string[]>(["lookup ETHUSDT", "place BTCUSDT"]));
            Assert.That(report.PendingResolved, Is.EqualTo(1));
            Assert.That(report.OrdersPlaced, Is.EqualTo(1));
            Assert.That(StoredOrder(crashed.Id).Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(StoredOrder(crashed.Id).ExchangeOrderId, Is.EqualTo("PAPER:ETHUSDT:E1"));
        }
    }

    [Test]
    public async Task Each_cycle_is_timed_once()
    {
        using var recorder = new TradingBot.TestLedger.MeterRecorder(Metrics.Meter);
        FundingIs(BtcUsdt, BetweenExitAndEntry);

        await RunCycle();
        await RunCycle();

        Assert.That(recorder.Of("tradingbot.cycle.duration"), Has.Count.EqualTo(2).And.All.Matches<TradingBot.TestLedger.Measurement>(m => m.Value >= 0 && m.Unit == "ms"), "whole milliseconds, as the unit says");
    }

    [Test]
    public async Task A_cycle_records_one_funding_snapshot_per_symbol_with_the_exchanges_quote()
    {
        FundingIs(BtcUsdt, BetweenExitAndEntry);
        FundingIs(EthUsdt, BelowExit);

        await RunCycle(BtcUsdt, EthUsdt);

        var snapshots = Ledger.FundingSnapshots;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(snapshots.Select(s => s.Symbol), Is.EqualTo(new[] { BtcUsdt, EthUsdt }));
            Assert.That(snapshots.Select(s => s.Rate), Is.EqualTo(new[] { FundingRate.ParseBasisPoints(BetweenExitAndEntry), FundingRate.ParseBasisPoints(BelowExit) }));
            Assert.That(snapshots.Select(s => s.MarkPrice), Is.EqualTo(new[] { Price.Parse("64000"), Price.Parse("3200") }));
            Assert.That(snapshots.Select(s => s.Exchange), Is.All.EqualTo(Paper));
            Assert.That(snapshots.Select(s => s.SnapshotAt), Is.All.EqualTo(Start));
        }
    }

    [Test]
    public async Task Funding_snapshots_are_stored_once_a_minute_and_around_each_settlement_while_every_cycle_decides_on_its_quote()
    {
        var cycle = NewCycle();
        var settings = Settings([BtcUsdt]) with { PollInterval = TimeSpan.FromSeconds(2) };
        Assert.That(settings.FundingSnapshotInterval, Is.EqualTo(TimeSpan.FromMinutes(1)), "the default");
        async Task CycleAt(DateTimeOffset at, string bps)
        {
            Clock.Set(at);
            FundingIs(BtcUsdt, bps);
            await cycle.RunAsync(settings, CancellationToken.None);
        }

        // 12:00:00 to 12:02:58, a cycle every 2 s, each with its own rate: one snapshot a minute.
        for (var second = 0; second < 180; second += 2)
        {
            await CycleAt(Start.AddSeconds(second), $"0.{second:D3}");
        }

        // Before the 16:00 settlement: 15:59:00 is a minute after the last, 15:59:58 is not; 16:00:00 is after the settlement.
        await CycleAt(Start.AddHours(4).AddSeconds(-60), "0.7");
        await CycleAt(Start.AddHours(4).AddSeconds(-2), "0.8");
        await CycleAt(Start.AddHours(4), "0.1");
        await CycleAt(Start.AddHours(4).AddSeconds(2), "0.2");

        var stored = Ledger.FundingSnapshots.Select(s => (s.SnapshotAt - Start, s.Rate.ToBasisPointsString())).ToList();
        Assert.That(stored, Is.EqualTo<(TimeSpan, string)[]>(
        [
            (TimeSpan.Zero, "0"), (TimeSpan.FromSeconds(60), "0.06"), (TimeSpan.FromSeconds(120), "0.12"),
            (TimeSpan.FromSeconds(14_340), "0.7"), (TimeSpan.FromSeconds(14_398), "0.8"), (TimeSpan.FromSeconds(14_400), "0.1"),
        ]));
        var holds = AuditOf(AuditEventType.Decision).Select(e => e.Data["funding_rate_bps"]).ToList();
        Assert.That(holds, Is.EqualTo<string[]>(["0"]), "one hold event (flat, unchanged), with the rate it was decided on");
    }

    [Test]
    public async Task With_a_zero_funding_snapshot_interval_every_cycle_stores_its_quote()
    {
        var cycle = NewCycle();
        var settings = Settings([BtcUsdt, EthUsdt]) with { FundingSnapshotInterval = TimeSpan.Zero };

        for (var i = 0; i < 3; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(2));
            await cycle.RunAsync(settings, CancellationToken.None);
        }

        Assert.That(Ledger.FundingSnapshots, Has.Count.EqualTo(6));
    }

    [Test]
    public async Task A_cycle_ingests_trades_and_funding_payments_once_though_the_exchange_returns_them_again_next_cycle()
    {
        var order = SeedOpen("open", "8801", quantity: "1");
        ExchangeReportsTrades(Trade("PAPER-T1", "8801", order.IdempotencyKey.Value, Side.Buy, "64000", "1", Start.AddMinutes(-30)));
        Exchange
            .Setup(e => e.GetFundingPaymentsAsync(It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([new FundingPayment("PAPER-FP1", Paper, BtcUsdt, Money.Parse("1.5", Usdt), Start.AddMinutes(-20))]);

        var first = await RunCycle();
        Clock.Advance(PollInterval);
        var second = await RunCycle();

        using (Assert.EnterMultipleScope())
        {
            Assert.That((first.FillsRecorded, first.FundingPaymentsRecorded), Is.EqualTo((1, 1)));
            Assert.That((second.FillsRecorded, second.FundingPaymentsRecorded), Is.EqualTo((0, 0)));
            Assert.That(Ledger.Fills, Has.Count.EqualTo(1));
            Assert.That(Ledger.FundingPayments, Has.Count.EqualTo(1));
            Assert.That(StoredOrder(order.Id).Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("1")));
            Assert.That(StoredPosition()!.FundingReceived, Is.EqualTo(Amount.Parse("1.5")));
        }
    }

    [Test]
    public async Task A_symbol_with_an_order_still_pending_gets_no_new_order()
    {
        var unresolved = SeedPending("open", Start.AddMinutes(-10));
        _lookupsFail = true;
        FundingIs(BtcUsdt, AboveEntry);

        var report = await RunCycle();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.OrdersPlaced, Is.Zero);
            Assert.That(report.Decisions, Is.EqualTo<string[]>(["BTCUSDT: hold, an order is still in flight"]));
            Assert.That(StoredOrder(unresolved.Id).Status, Is.EqualTo(OrderStatus.Pending));
            Assert.That(Ledger.Orders, Has.Count.EqualTo(1));
            Assert.That(Ledger.FundingSnapshots, Has.Count.EqualTo(1), "the symbol's funding is still recorded");
            Exchange.Verify(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        }
    }

    [Test]
    public async Task A_symbol_with_an_open_order_gets_no_new_order()
    {
        SeedOpen("open", "8801", side: Side.Sell, quantity: "0.01");
        FundingIs(BtcUsdt, AboveEntry);

        var report = await RunCycle();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.OrdersPlaced, Is.Zero);
            Assert.That(report.Decisions, Is.EqualTo<string[]>(["BTCUSDT: hold, an order is still in flight"]));
            Assert.That(Ledger.Orders, Has.Count.EqualTo(1));
            Exchange.Verify(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        }
    }

    [Test]
    public async Task The_fills_of_a_market_order_recorded_as_it_is_placed_count_in_the_cycles_fills()
    {
        FundingIs(BtcUsdt, AboveEntry);

        var report = await RunCycle(BtcUsdt);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.OrdersPlaced, Is.EqualTo(1));
            Assert.That(Ledger.Fills, Has.Count.EqualTo(1), "the exchange filled the market order at once");
            Assert.That(report.FillsRecorded, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task An_in_flight_order_on_one_symbol_does_not_hold_back_another_symbol()
    {
        SeedHarvestPending(EthUsdt, Start.AddMinutes(-10));
        _lookupsFail = true;
        FundingIs(BtcUsdt, AboveEntry);
        FundingIs(EthUsdt, AboveEntry);

        var report = await RunCycle(BtcUsdt, EthUsdt);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.OrdersPlaced, Is.EqualTo(1));
            Assert.That(_calls, Is.EqualTo<string[]>(["lookup ETHUSDT", "place BTCUSDT"]));
            Assert.That(report.Decisions[1], Is.EqualTo("ETHUSDT: hold, an order is still in flight"));
        }
    }

    [Test]
    public async Task Running_the_cycle_twice_in_one_slot_after_a_timeout_places_one_order_only()
    {
        FundingIs(BtcUsdt, AboveEntry);
        _placingTimesOut = true;
        var first = await RunCycle();
        var afterFirst = Ledger.Orders.Single();
        _placingTimesOut = false;

        var second = await RunCycle();

        var order = Ledger.Orders.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterFirst.Status, Is.EqualTo(OrderStatus.Pending));
            Assert.That(order.Id, Is.EqualTo(afterFirst.Id));
            Assert.That(order.IdempotencyKey, Is.EqualTo(HarvestKey(BtcUsdt, Start, "open")));
            Assert.That(_calls, Is.EqualTo<string[]>(["place BTCUSDT", "lookup BTCUSDT"]));
            Assert.That(first.OrdersPlaced, Is.EqualTo(1));
            Assert.That((second.PendingResolved, second.FillsRecorded, second.OrdersPlaced), Is.EqualTo((1, 1, 0)));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("-0.01")));
            Assert.That(AuditOf(AuditEventType.Decision).Where(d => d.Data.ContainsKey("idempotency_key")), Has.Exactly(1).Items, "one order decision");
        }
    }

    [Test]
    public async Task A_hold_is_audited_when_it_changes_not_every_cycle()
    {
        FundingIs(BtcUsdt, "0");
        var cycle = NewCycle(); // the worker keeps one cycle for its lifetime

        for (var i = 0; i < 3; i++)
        {
            await cycle.RunAsync(Settings([BtcUsdt]), CancellationToken.None);
        }

        var holds = AuditOf(AuditEventType.Decision).Where(d => d.Data.TryGetValue("decision", out var v) && v.StartsWith("hold", StringComparison.Ordinal)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(holds, Has.Count.EqualTo(1));
            Assert.That(holds[0].Data["decision"], Is.EqualTo("hold (flat)"));
            Assert.That(holds[0].Data["symbol"], Is.EqualTo("BTCUSDT"));
        }
    }

    [Test]
    public async Task The_same_decision_later_in_the_same_slot_has_the_same_key_so_a_rejected_open_is_not_sent_again()
    {
        FundingIs(BtcUsdt, AboveEntry);
        _rejection = "Margin is insufficient";
        await RunCycle();
        Clock.Advance(TimeSpan.FromMinutes(2));

        var second = await RunCycle();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(TradingCycle.SlotOf(Clock.UtcNow, PollInterval), Is.EqualTo(Start));
            Assert.That(Ledger.Orders.Select(o => (o.IdempotencyKey, o.Status)), Is.EqualTo(new[] { (HarvestKey(BtcUsdt, Start, "open"), OrderStatus.Rejected) }));
            Assert.That(second.OrdersPlaced, Is.Zero, "the exchange was not called: nothing was placed");
            Exchange.Verify(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()), Times.Once);
        }
    }

    [Test]
    public async Task After_the_short_is_closed_a_new_slot_opens_again_under_a_new_key()
    {
        FundingIs(BtcUsdt, AboveEntry);
        await RunCycle();
        Clock.Advance(PollInterval);
        FundingIs(BtcUsdt, BelowExit);
        await RunCycle();
        var positionAfterClose = StoredPosition()!;
        Clock.Advance(PollInterval);
        FundingIs(BtcUsdt, AboveEntry);

        var reopening = await RunCycle();

        var orders = Ledger.Orders;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(positionAfterClose.IsFlat, Is.True);
            Assert.That(reopening.OrdersPlaced, Is.EqualTo(1));
            Assert.That(orders.Select(o => o.Side), Is.EqualTo(new[] { Side.Sell, Side.Buy, Side.Sell }));
            Assert.That(orders.Select(o => o.Status), Is.All.EqualTo(OrderStatus.Filled));
            Assert.That(
                orders.Select(o => o.IdempotencyKey),
                Is.EqualTo(new[]
                {
                    HarvestKey(BtcUsdt, Start, "open"),
                    HarvestKey(BtcUsdt, Start + PollInterval, "close"),
                    HarvestKey(BtcUsdt, Start + (2 * PollInterval), "open"),
                }));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("-0.01")));
            Assert.That(StoredPosition()!.FillCount, Is.EqualTo(3));
        }
    }

    [Test]
    public async Task The_decision_event_carries_the_actor_the_strategy_and_the_leg()
    {
        FundingIs(BtcUsdt, AboveEntry);

        await RunCycle();

        var decision = AuditOf(AuditEventType.Decision).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Data["actor"], Is.EqualTo(Actor));
            Assert.That(decision.Data["strategy"], Is.EqualTo("funding-harvest"));
            Assert.That(decision.Data["leg"], Is.EqualTo("open"));
            Assert.That(decision.Data["side"], Is.EqualTo("SELL"));
            Assert.That(decision.Data["quantity"], Is.EqualTo("0.01"));
            Assert.That(decision.Data["idempotency_key"], Is.EqualTo(HarvestKey(BtcUsdt, Start, "open").Value));
            Assert.That(decision.Data["funding_rate_bps"], Is.EqualTo(AboveEntry), "the rate the strategy decided on");
        }
    }

    [Test]
    public async Task Recovery_resolves_every_pending_order_and_places_nothing()
    {
        var found = SeedPending("open", Start.AddMinutes(-30));
        var neverSeen = SeedPending("hedge", Start.AddMinutes(-20), Side.Sell);
        var otherSymbol = SeedHarvestPending(EthUsdt, Start.AddMinutes(-10));
        ExchangeHas(found, "8801", OrderStatus.Open);
        ExchangeHas(otherSymbol, "E1", OrderStatus.Cancelled);
        FundingIs(BtcUsdt, AboveEntry);

        var report = await NewCycle().RecoverAsync(Settings(BtcUsdt), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.PendingResolved, Is.EqualTo(3));
            Assert.That(StoredOrder(found.Id).Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(StoredOrder(neverSeen.Id).Status, Is.EqualTo(OrderStatus.Rejected));
            Assert.That(StoredOrder(otherSymbol.Id).Status, Is.EqualTo(OrderStatus.Cancelled));
            Assert.That(report.OrdersPlaced, Is.Zero);
            Exchange.Verify(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        }
    }

    [Test]
    public async Task Recovery_backfills_trades_from_before_the_latest_recorded_fill_so_a_late_reported_trade_is_not_missed()
    {
        var order = SeedOpen("open", "8801", quantity: "1", createdAt: Start.AddDays(-3));
        var key = order.IdempotencyKey.Value;
        var latestFill = Start.AddDays(-2);
        await NewRecordFill().ExecuteAsync(FillOf(order, "PAPER-T1", "64000", "0.4", latestFill), CancellationToken.None);
        _trades.Add(Trade("PAPER-T2", "8801", key, Side.Buy, "63990", "0.4", latestFill.AddMinutes(-10)));
        _trades.Add(Trade("PAPER-T1", "8801", key, Side.Buy, "64000", "0.4", latestFill));
        _trades.Add(Trade("PAPER-T3", "8801", key, Side.Buy, "64100", "0.2", Start.AddDays(-1)));

        var report = await NewCycle().RecoverAsync(Settings(BtcUsdt), CancellationToken.None);

        var since = _tradeQueries.First().Since; // the start-up reconciliation reads them again from the same cursor
        using (Assert.EnterMultipleScope())
        {
            Assert.That(since, Is.LessThan(latestFill.AddMinutes(-10)));
            Assert.That(since, Is.GreaterThan(latestFill.AddDays(-1)), "a cursor, not a full backfill");
            Assert.That(report.FillsRecorded, Is.EqualTo(2));
            Assert.That(Ledger.Fills.Select(f => f.Fill.ExchangeFillId.Value), Is.EquivalentTo<string>(["PAPER-T1", "PAPER-T2", "PAPER-T3"]));
            Assert.That(StoredOrder(order.Id).Status, Is.EqualTo(OrderStatus.Filled));
        }
    }

    [Test]
    public async Task Recovery_backfills_funding_payments_from_before_the_latest_recorded_payment()
    {
        var latestPayment = Start.AddDays(-2);
        var recorded = new FundingPayment("PAPER-FP1", Paper, BtcUsdt, Money.Parse("1.5", Usdt), latestPayment);
        await NewRecordFundingPayment().ExecuteAsync(recorded, CancellationToken.None);
        _payments.Add(recorded);
        _payments.Add(new FundingPayment("PAPER-FP2", Paper, BtcUsdt, Money.Parse("-0.25", Usdt), Start.AddDays(-1)));

        var report = await NewCycle().RecoverAsync(Settings(BtcUsdt), CancellationToken.None);

        var since = _paymentQueries.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(since, Is.LessThan(latestPayment));
            Assert.That(since, Is.GreaterThan(latestPayment.AddDays(-1)), "a cursor, not a full backfill");
            Assert.That(report.FundingPaymentsRecorded, Is.EqualTo(1));
            Assert.That(StoredPosition()!.FundingReceived, Is.EqualTo(Amount.Parse("1.25")));
        }
    }

    [Test]
    public async Task Recovery_of_a_ledger_without_fills_or_payments_reaches_back_more_than_a_day()
    {
        await NewCycle().RecoverAsync(Settings(BtcUsdt, EthUsdt), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_tradeQueries.Select(q => q.Symbol).Take(2), Is.EqualTo(new[] { BtcUsdt, EthUsdt }));
            Assert.That(_tradeQueries.Select(q => q.Since), Is.All.LessThan(Start.AddDays(-1)));
            Assert.That(_paymentQueries.Single(), Is.LessThan(Start.AddDays(-1)));
        }
    }

    /// <summary>Records a short of <paramref name="quantity"/> on BTCUSDT, as a filled sell the ledger placed.</summary>
    private async Task HoldShortAsync(string quantity)
    {
        var order = SeedOpen("open", "S1", side: Side.Sell, quantity: quantity, createdAt: Start.AddMinutes(-30));
        _trades.Add(Trade("PAPER-S1", "S1", order.IdempotencyKey.Value, Side.Sell, "64000", quantity, Start.AddMinutes(-30)));
        await NewRecordFill().ExecuteAsync(FillOf(order, "PAPER-S1", "64000", quantity, Start.AddMinutes(-30)), CancellationToken.None);
    }

    [Test]
    public async Task A_close_is_sized_from_the_position_and_sent_reduce_only_while_an_open_is_not()
    {
        await HoldShortAsync("0.01");
        FundingIs(BtcUsdt, BelowExit);
        FundingIs(EthUsdt, AboveEntry);

        await RunCycle(BtcUsdt, EthUsdt);

        var close = _requests.Single(r => r.Symbol == BtcUsdt);
        var open = _requests.Single(r => r.Symbol == EthUsdt);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((close.Side, close.Quantity, close.ReduceOnly), Is.EqualTo((Side.Buy, Quantity.Parse("0.01"), true)));
            Assert.That((open.Side, open.ReduceOnly), Is.EqualTo((Side.Sell, false)));
            Assert.That(close.SendDeadline, Is.EqualTo(Start + Timing.MaxSendDelay), "sent with its deadline");
        }
    }

    [Test]
    public async Task A_refused_close_is_retried_after_a_growing_wait_and_halts_the_symbol_after_three_refusals()
    {
        await HoldShortAsync("0.01");
        FundingIs(BtcUsdt, BelowExit);
        _rejection = "-4118 ReduceOnly Order Failed. Please check your existing position and open orders";
        var cycle = NewCycle();
        var settings = Settings(BtcUsdt) with { CloseRefusedHalt = TimeSpan.FromDays(1) };

        var attempts = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            await cycle.RunAsync(settings, CancellationToken.None);
            attempts.Add(_requests.Count);
            Clock.Advance(PollInterval);
        }

        var halt = Ledger.Halts.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_requests, Has.Count.EqualTo(3), "refused three times, then halted");
            Assert.That(attempts.Take(7), Is.EqualTo((int[])[1, 1, 2, 2, 2, 2, 3]), "the wait doubles: two slots, then four");
            Assert.That((halt.Reason, halt.IsActive), Is.EqualTo((HaltReason.CloseRefused, true)));
            Assert.That(halt.Detail, Does.Contain("-4118"));
            Assert.That(halt.Until, Is.GreaterThan(halt.HaltedAt));
            Assert.That(AuditOf(AuditEventType.StateTransition).Any(e => e.Data.GetValueOrDefault("reason") == "CLOSE_REFUSED"), Is.True);
        }
    }

    [Test]
    public async Task A_close_that_was_not_sent_is_not_counted_as_refused()
    {
        await HoldShortAsync("0.01");
        FundingIs(BtcUsdt, BelowExit);
        Exchange
            .Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .Callback((OrderRequest request, CancellationToken _) => _requests.Add(request))
            .ReturnsAsync(new PlaceOrderResult.Rejected("not processed: 429 Too Many Requests") { NotSent = true });
        var cycle = NewCycle();
        var settings = Settings(BtcUsdt) with { CloseRefusedHalt = TimeSpan.FromDays(1) };

        for (var i = 0; i < 5; i++)
        {
            await cycle.RunAsync(settings, CancellationToken.None);
            Clock.Advance(PollInterval);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_requests, Has.Count.EqualTo(5), "tried again every slot: nothing was refused");
            Assert.That(Ledger.Halts, Is.Empty);
        }
    }

    [Test]
    public async Task A_halted_symbol_takes_no_order_and_the_others_trade_on()
    {
        await Ledger.ExecuteAsync(
            async (session, ct) =>
            {
                await session.Halts.SaveAsync(new SymbolHalt(Paper, BtcUsdt, HaltReason.PositionDiffers, "the ledger holds 0, the exchange -0.01", Start), ct);
                return true;
            },
            CancellationToken.None);
        FundingIs(BtcUsdt, AboveEntry);
        FundingIs(EthUsdt, AboveEntry);

        var report = await RunCycle(BtcUsdt, EthUsdt);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_requests.Select(r => r.Symbol), Is.EqualTo((Symbol[])[EthUsdt]));
            Assert.That(report.Decisions[0], Does.StartWith("BTCUSDT: hold, halted (POSITION_DIFFERS)"));
        }
    }

    [Test]
    public async Task A_position_beyond_the_strategys_intent_halts_the_symbol_at_once()
    {
        await HoldShortAsync("0.02");
        FundingIs(BtcUsdt, BelowExit);

        var report = await RunCycle();

        var halt = Ledger.Halts.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_requests, Is.Empty, "not even the close: the operator decides");
            Assert.That((halt.Reason, halt.IsActive), Is.EqualTo((HaltReason.BeyondIntent, true)));
            Assert.That(report.HaltChanges.Single().Began, Is.True);
        }
    }

    [Test]
    public async Task A_symbol_whose_exchange_reads_fail_is_audited_and_retried_while_the_others_trade()
    {
        _failing.Add(BtcUsdt);
        FundingIs(BtcUsdt, AboveEntry);
        FundingIs(EthUsdt, AboveEntry);

        var first = await RunCycle(BtcUsdt, EthUsdt);
        _failing.Clear();
        Clock.Advance(PollInterval);
        await RunCycle(BtcUsdt, EthUsdt);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.SymbolFailures.Single(), Does.StartWith("BTCUSDT:").And.Contain("timed out"));
            Assert.That(_requests.Select(r => r.Symbol), Is.EqualTo((Symbol[])[EthUsdt, BtcUsdt]), "ETHUSDT traded at once, BTCUSDT once it answered");
            Assert.That(AuditOf(AuditEventType.Error).Single().Data["symbol"], Is.EqualTo("BTCUSDT"));
        }
    }

    [Test]
    public async Task A_worker_that_cannot_confirm_its_lease_sends_nothing_and_stops_the_cycle()
    {
        Lease.Held = false;
        FundingIs(BtcUsdt, AboveEntry);
        FundingIs(EthUsdt, AboveEntry);

        var report = await RunCycle(BtcUsdt, EthUsdt);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.LeaseLost, Is.True);
            Assert.That(_requests, Is.Empty);
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Pending), "the intent is left for the next holder to resolve after its deadline");
            Assert.That(report.Decisions, Has.Count.EqualTo(1), "ETHUSDT was not decided");
        }
    }

    [Test]
    public async Task Start_up_recovery_reconciles_every_traded_symbol_and_halts_one_the_exchange_holds_a_position_on()
    {
        _trades.Add(Trade("PAPER-OLD", "OLD1", "tb-notthisledger0000000000000000000", Side.Sell, "64000", "0.01", Start.AddDays(-30)));
        FundingIs(BtcUsdt, BelowExit);

        var recovery = await NewCycle().RecoverAsync(Settings(BtcUsdt), CancellationToken.None);
        var cycle = await RunCycle();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recovery.HaltChanges.Single().Halt.Reason, Is.EqualTo(HaltReason.PositionDiffers));
            Assert.That(recovery.Reconciliation!.Differences, Has.Some.Contains("position BTCUSDT: exchange -0.01, ledger 0"));
            Assert.That(_requests, Is.Empty);
            Assert.That(cycle.Decisions.Single(), Does.Contain("halted"));
        }
    }

    [TestCase("2025-03-01T12:07:31.5000000+00:00", "2025-03-01T12:05:00+00:00")]
    [TestCase("2025-03-01T12:05:00.0000000+00:00", "2025-03-01T12:05:00+00:00")]
    [TestCase("2025-03-01T12:04:59.9999999+00:00", "2025-03-01T12:00:00+00:00")]
    [TestCase("2025-03-01T14:07:00.0000000+02:00", "2025-03-01T12:05:00+00:00")]
    public void SlotOf_truncates_to_the_start_of_the_poll_interval_in_utc(string now, string slot)
    {
        var result = TradingCycle.SlotOf(DateTimeOffset.Parse(now, CultureInfo.InvariantCulture), PollInterval);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(DateTimeOffset.Parse(slot, CultureInfo.InvariantCulture)));
            Assert.That(result.Offset, Is.EqualTo(TimeSpan.Zero));
        }
    }

    [Test]
    public void Two_moments_of_one_slot_give_one_key_and_the_next_slot_another()
    {
        var early = HarvestKey(BtcUsdt, TradingCycle.SlotOf(Start.AddSeconds(10), PollInterval), "open");
        var late = HarvestKey(BtcUsdt, TradingCycle.SlotOf(Start.AddSeconds(299), PollInterval), "open");
        var next = HarvestKey(BtcUsdt, TradingCycle.SlotOf(Start.AddSeconds(300), PollInterval), "open");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(late, Is.EqualTo(early));
            Assert.That(next, Is.Not.EqualTo(early));
        }
    }
}
