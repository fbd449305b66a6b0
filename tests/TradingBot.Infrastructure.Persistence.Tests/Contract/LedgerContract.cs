using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.Domain.Reconciliation;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>
/// The ledger's repository and unit-of-work contract, written once and run on every provider
/// (the efcore.pg specification-test pattern): a subclass only says how to get a clean database.
/// </summary>
public abstract class LedgerContract
{
    protected static readonly ExchangeName Binance = new("BINANCE");
    protected static readonly Symbol BtcUsdt = new("BTCUSDT");
    protected static readonly Symbol EthUsdt = new("ETHUSDT");
    protected static readonly Asset Usdt = new("USDT");
    protected static readonly DateTimeOffset T0 = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);

    protected LedgerTestDatabase Db { get; private set; } = null!;

    protected IUnitOfWork Ledger => Db.Ledger;

    protected abstract Task<LedgerTestDatabase> CreateDatabaseAsync();

    [SetUp]
    public async Task CreateLedgerAsync() => Db = await CreateDatabaseAsync();

    [TearDown]
    public async Task DropLedgerAsync() => await Db.DisposeAsync();

    protected static Order PendingOrder(string leg = "open", Side side = Side.Sell, string quantity = "0.5", Symbol? symbol = null, DateTimeOffset? at = null, OrderType type = OrderType.Market, string? price = null)
    {
        var s = symbol ?? BtcUsdt;
        var time = at ?? T0;
        var key = IdempotencyKey.For(new TradingIntent("funding-harvest", Binance, s, time, leg));
        return Order.CreatePending(OrderId.New(), Binance, s, side, type, Quantity.Parse(quantity), price is null ? null : Price.Parse(price), key, time);
    }

    protected async Task<Order> CreateAsync(Order order) =>
        (await Ledger.ExecuteAsync((s, ct) => s.Orders.CreateAsync(order, ct), CancellationToken.None)).Order;

    protected async Task<Order> CreateOpenAsync(Order order, string exchangeOrderId)
    {
        await CreateAsync(order);
        return await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                var current = (await s.Orders.FindByIdAsync(order.Id, ct))!;
                current.AssignExchangeOrderId(exchangeOrderId, T0);
                current.TransitionTo(OrderStatus.Open, T0);
                await s.Orders.UpdateAsync(current, ct);
                return current;
            },
            CancellationToken.None);
    }

    protected static Fill FillOf(Order order, string id, string price, string quantity, string fee = "0.01", string feeAsset = "USDT", DateTimeOffset? at = null) =>
        new(new ExchangeFillId(id), order.Id, Price.Parse(price), Quantity.Parse(quantity), new Money(new Asset(feeAsset), Amount.Parse(fee)), at ?? T0.AddSeconds(1));

    protected Task<T> Read<T>(Func<ILedgerSession, CancellationToken, Task<T>> read) => Ledger.ExecuteAsync(read, CancellationToken.None);

    protected RecordFill NewRecordFill() => new(Ledger, new TestClock(T0.AddMinutes(1)));

    protected sealed class TestClock(DateTimeOffset now) : IClock
    {
        public DateTimeOffset UtcNow => now;
    }

    // ---------------------------------------------------------------- orders

    [Test]
    public async Task An_order_round_trips_every_field()
    {
        var order = PendingOrder(type: OrderType.Limit, price: "64000.1", side: Side.Buy, quantity: "0.00012345");
        await CreateOpenAsync(order, "8389765537");

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored, Is.Not.Null);
            Assert.That(stored!.IdempotencyKey, Is.EqualTo(order.IdempotencyKey));
            Assert.That(stored.Exchange, Is.EqualTo(Binance));
            Assert.That(stored.Symbol, Is.EqualTo(BtcUsdt));
            Assert.That(stored.Side, Is.EqualTo(Side.Buy));
            Assert.That(stored.Type, Is.EqualTo(OrderType.Limit));
            Assert.That(stored.Quantity, Is.EqualTo(Quantity.Parse("0.00012345")));
            Assert.That(stored.LimitPrice, Is.EqualTo(Price.Parse("64000.1")));
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(stored.ExchangeOrderId, Is.EqualTo("BINANCE:BTCUSDT:8389765537"));
            Assert.That(stored.CreatedAt, Is.EqualTo(T0));
        }
    }

    [Test]
    public async Task Creating_the_same_idempotency_key_concurrently_stores_one_order_and_every_caller_gets_it()
    {
        var first = PendingOrder();
        var attempts = Enumerable.Range(0, 8)
            .Select(_ => Order.CreatePending(OrderId.New(), Binance, BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.5"), null, first.IdempotencyKey, T0))
            .ToList();

        var results = await Task.WhenAll(attempts.Select(o => Task.Run(() => Ledger.ExecuteAsync((s, ct) => s.Orders.CreateAsync(o, ct), CancellationToken.None))));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM orders"), Is.EqualTo(1));
            Assert.That(results.Count(r => r.Created), Is.EqualTo(1));
            Assert.That(results.Select(r => r.Order.Id).Distinct().Count(), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Orders_are_found_by_idempotency_key_and_by_exchange_order_id_within_their_symbol()
    {
        var order = await CreateOpenAsync(PendingOrder(), "42");
        var sameIdOtherSymbol = await CreateOpenAsync(PendingOrder(symbol: new Symbol("ETHUSDT")), "42");

        var byKey = await Read((s, ct) => s.Orders.FindByIdempotencyKeyAsync(order.IdempotencyKey, ct));
        var byExchangeId = await Read((s, ct) => s.Orders.FindByExchangeOrderIdAsync("BINANCE:BTCUSDT:42", ct));
        var other = await Read((s, ct) => s.Orders.FindByExchangeOrderIdAsync("BINANCE:ETHUSDT:42", ct));
        var missing = await Read((s, ct) => s.Orders.FindByExchangeOrderIdAsync("BINANCE:BTCUSDT:43", ct));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(byKey?.Id, Is.EqualTo(order.Id));
            Assert.That(byExchangeId?.Id, Is.EqualTo(order.Id));
            Assert.That(other?.Id, Is.EqualTo(sameIdOtherSymbol.Id), "Binance order ids are unique per symbol only; both are stored");
            Assert.That(missing, Is.Null);
        }
    }

    [Test]
    public async Task An_external_order_is_stored_and_its_quantity_grows_with_its_fills()
    {
        var trade = new ExchangeTrade(new ExchangeFillId("BINANCE:BTCUSDT:9001"), "777", "adl_autoclose", BtcUsdt, Side.Buy, Price.Parse("64000"), Quantity.Parse("0.004"), Money.Parse("0.1", new Asset("USDT")), T0) { OrderKind = "MARKET" };
        var recordFill = NewRecordFill();

        var first = await recordFill.ExecuteExternalAsync(Binance, trade, CancellationToken.None);
        var second = await recordFill.ExecuteExternalAsync(Binance, trade with { ExchangeFillId = new ExchangeFillId("BINANCE:BTCUSDT:9002"), Quantity = Quantity.Parse("0.006") }, CancellationToken.None);
        var again = await recordFill.ExecuteExternalAsync(Binance, trade, CancellationToken.None);

        var stored = await Read((s, ct) => s.Orders.FindByIdempotencyKeyAsync(IdempotencyKey.External(Binance, BtcUsdt, "777"), ct));
        var position = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That((first.Status, second.Status, again.Status), Is.EqualTo((RecordFillStatus.Recorded, RecordFillStatus.Recorded, RecordFillStatus.Duplicate)));
            Assert.That(stored!.Quantity, Is.EqualTo(Quantity.Parse("0.01")));
            Assert.That(stored.FilledQuantity, Is.EqualTo(Quantity.Parse("0.01")));
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(stored.ExchangeOrderId, Is.EqualTo("BINANCE:BTCUSDT:777"));
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("0.01")));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(2));
            Assert.That(await Read((s, ct) => s.Fills.ContainsAsync(new ExchangeFillId("BINANCE:BTCUSDT:9002"), ct)), Is.True);
            Assert.That(await Read((s, ct) => s.Fills.ContainsAsync(new ExchangeFillId("BINANCE:BTCUSDT:9003"), ct)), Is.False);
        }
    }

    [Test]
    public async Task The_never_placed_verdict_falls_on_the_stored_created_at_to_the_microsecond_for_any_worker()
    {
        var created = T0.AddTicks(1_234_567); // 123.4567 ms: stored to the microsecond
        var order = Order.CreatePending(OrderId.New(), Binance, BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null,
            IdempotencyKey.For(new TradingIntent("funding-harvest", Binance, BtcUsdt, T0, "open")), created);
        await CreateAsync(order);
        var timing = new OrderTiming(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
        var exchange = new ExchangeThatNeverSawIt(TimeSpan.FromMilliseconds(5000));
        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        var verdict = timing.NeverPlacedAfter(stored!, exchange.RequestValidity);

        var atVerdict = await new ResolvePendingOrders(Ledger, exchange, new TestClock(verdict), timing).ExecuteAsync(CancellationToken.None);
        var justAfter = await new ResolvePendingOrders(Ledger, exchange, new TestClock(verdict.AddTicks(10)), timing).ExecuteAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(verdict, Is.EqualTo(T0.AddTicks(1_234_560) + TimeSpan.FromSeconds(45)));
            Assert.That(atVerdict.StillPending.Select(o => o.Id), Is.EqualTo(new[] { order.Id }));
            Assert.That(justAfter.Rejected.Select(o => o.Id), Is.EqualTo(new[] { order.Id }));
            Assert.That((await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct)))!.Status, Is.EqualTo(OrderStatus.Rejected));
        }
    }

    /// <summary>An exchange that answers every lookup "does not exist" (-2013); nothing else is asked of it here.</summary>
    private sealed class ExchangeThatNeverSawIt(TimeSpan requestValidity) : IExchange
    {
        public ExchangeName Name => Binance;

        public TimeSpan RequestValidity => requestValidity;

        public Task<OrderLookupResult> GetOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) =>
            Task.FromResult<OrderLookupResult>(new OrderLookupResult.NotFound());

        public Task<InstrumentRules> GetInstrumentAsync(Symbol symbol, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<FundingQuote> GetFundingQuoteAsync(Symbol symbol, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<PlaceOrderResult> PlaceOrderAsync(OrderRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CancelOrderResult> CancelOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<ExchangeOrderState>> GetOpenOrdersAsync(Symbol? symbol, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<ExchangeTrade>> GetTradesAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<PositionView>> GetPositionsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<BalanceView>> GetBalancesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<FundingPayment>> GetFundingPaymentsAsync(DateTimeOffset since, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    // ---------------------------------------------------------------- halts

    [Test]
    public async Task A_halt_is_stored_lifted_and_halted_again_in_one_record_per_symbol()
    {
        var halted = new SymbolHalt(Binance, BtcUsdt, HaltReason.PositionDiffers, "the ledger holds 0, the exchange -0.01", T0);
        await Ledger.ExecuteAsync(async (s, ct) => { await s.Halts.SaveAsync(halted, ct); return true; }, CancellationToken.None);
        var afterHalt = await Read((s, ct) => s.Halts.GetAsync(Binance, BtcUsdt, ct));

        await Ledger.ExecuteAsync(async (s, ct) => { await s.Halts.SaveAsync(afterHalt!.Release(T0.AddMinutes(1)), ct); return true; }, CancellationToken.None);
        var afterRelease = await Read((s, ct) => s.Halts.GetAsync(Binance, BtcUsdt, ct));

        var again = new SymbolHalt(Binance, BtcUsdt, HaltReason.CloseRefused, "-4118 ReduceOnly Order Failed", T0.AddMinutes(2), T0.AddMinutes(17));
        await Ledger.ExecuteAsync(async (s, ct) => { await s.Halts.SaveAsync(again, ct); return true; }, CancellationToken.None);
        var all = await Read((s, ct) => s.Halts.GetAllAsync(ct));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterHalt, Is.EqualTo(halted));
            Assert.That(afterHalt!.IsActive, Is.True);
            Assert.That(afterRelease!.IsActive, Is.False);
            Assert.That(afterRelease.ReleasedAt, Is.EqualTo(T0.AddMinutes(1)));
            Assert.That(all, Is.EqualTo(new[] { again }));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM symbol_halts"), Is.EqualTo(1));
            Assert.That(await Read((s, ct) => s.Halts.GetAsync(Binance, new Symbol("ETHUSDT"), ct)), Is.Null);
        }
    }

    [Test]
    public async Task Two_units_that_change_one_halt_record_at_once_both_run_and_the_last_write_is_kept_whole()
    {
        await Ledger.ExecuteAsync(async (s, ct) => { await s.Halts.SaveAsync(new SymbolHalt(Binance, BtcUsdt, HaltReason.BeyondIntent, "first", T0), ct); return true; }, CancellationToken.None);

        var writers = Enumerable.Range(0, 4).Select(i => Task.Run(() => Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                var current = await s.Halts.GetAsync(Binance, BtcUsdt, ct);
                await s.Halts.SaveAsync(new SymbolHalt(Binance, BtcUsdt, HaltReason.PositionDiffers, $"writer {i} over {current!.Detail}", T0.AddSeconds(i)), ct);
                return true;
            },
            CancellationToken.None)));
        await Task.WhenAll(writers);

        var stored = await Read((s, ct) => s.Halts.GetAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored!.Detail, Does.StartWith("writer "));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM symbol_halts"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT version FROM symbol_halts"), Is.EqualTo(5), "every writer built on the one before");
        }
    }

    [Test]
    public async Task Open_and_pending_queries_return_exactly_those_orders_oldest_first()
    {
        var pendingLate = await CreateAsync(PendingOrder("a", at: T0.AddMinutes(5)));
        var pendingEarly = await CreateAsync(PendingOrder("b", at: T0.AddMinutes(1)));
        var open = await CreateOpenAsync(PendingOrder("c", at: T0.AddMinutes(2)), "1");
        var partial = await CreateOpenAsync(PendingOrder("d", at: T0.AddMinutes(3), quantity: "1"), "2");
        await NewRecordFill().ExecuteAsync(FillOf(partial, "f-d-1", "100", "0.4"), CancellationToken.None);
        var filled = await CreateOpenAsync(PendingOrder("e", at: T0.AddMinutes(4), quantity: "1"), "3");
        await NewRecordFill().ExecuteAsync(FillOf(filled, "f-e-1", "100", "1"), CancellationToken.None);
        var rejected = await CreateAsync(PendingOrder("f"));
        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                var o = (await s.Orders.FindByIdAsync(rejected.Id, ct))!;
                o.TransitionTo(OrderStatus.Rejected, T0);
                await s.Orders.UpdateAsync(o, ct);
                return o;
            },
            CancellationToken.None);

        var pendingIds = (await Read((s, ct) => s.Orders.GetPendingOrdersAsync(ct))).Select(o => o.Id);
        var openIds = (await Read((s, ct) => s.Orders.GetOpenOrdersAsync(ct))).Select(o => o.Id);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(pendingIds, Is.EqualTo(new[] { pendingEarly.Id, pendingLate.Id }));
            Assert.That(openIds, Is.EqualTo(new[] { open.Id, partial.Id }));
        }
    }

    [Test]
    public async Task Amounts_near_the_limits_of_long_round_trip_exactly()
    {
        var huge = Order.CreatePending(OrderId.New(), Binance, BtcUsdt, Side.Buy, OrderType.Limit, new Quantity(long.MaxValue), new Price(long.MaxValue - 1), PendingOrder().IdempotencyKey, T0);
        await CreateAsync(huge);
        var order = await CreateOpenAsync(PendingOrder("small", quantity: "1"), "7");
        var rebate = new Fill(new ExchangeFillId("rebate"), order.Id, new Price(long.MaxValue), new Quantity(1), new Money(Usdt, new Amount(long.MinValue + 1)), T0);
        await Ledger.ExecuteAsync((s, ct) => s.Fills.TryAddAsync(rebate, 1, ct), CancellationToken.None);
        var payment = new FundingPayment("p-max", Binance, BtcUsdt, new Money(Usdt, new Amount(long.MaxValue)), T0);
        await Ledger.ExecuteAsync((s, ct) => s.FundingPayments.TryAddAsync(payment, ct), CancellationToken.None);

        var storedOrder = await Read((s, ct) => s.Orders.FindByIdAsync(huge.Id, ct));
        var storedFill = (await Read((s, ct) => s.Fills.GetByOrderAsync(order.Id, ct))).Single();
        var storedPayment = (await Read((s, ct) => s.FundingPayments.GetRangeAsync(Binance, T0, T0.AddSeconds(1), ct))).Single();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(storedOrder!.Quantity.Units, Is.EqualTo(long.MaxValue));
            Assert.That(storedOrder.LimitPrice!.Value.Units, Is.EqualTo(long.MaxValue - 1));
            Assert.That(storedFill.Price.Units, Is.EqualTo(long.MaxValue));
            Assert.That(storedFill.Fee.Amount.Units, Is.EqualTo(long.MinValue + 1));
            Assert.That(storedPayment.Amount.Amount.Units, Is.EqualTo(long.MaxValue));
        }
    }

    [Test]
    public async Task Timestamps_are_stored_as_utc_instants_to_the_microsecond()
    {
        var local = new DateTimeOffset(2026, 11, 20, 10, 30, 15, TimeSpan.FromHours(2)).AddTicks(1234567);
        var order = await CreateOpenAsync(PendingOrder(at: local), "9");
        await NewRecordFill().ExecuteAsync(FillOf(order, "f-utc", "100", "0.1", at: local), CancellationToken.None);

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        var fill = (await Read((s, ct) => s.Fills.GetByOrderAsync(order.Id, ct))).Single();
        var expected = new DateTimeOffset(2026, 11, 20, 8, 30, 15, TimeSpan.Zero).AddTicks(1234560);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored!.CreatedAt, Is.EqualTo(expected));
            Assert.That(stored.CreatedAt.Offset, Is.EqualTo(TimeSpan.Zero));
            Assert.That(fill.FilledAt, Is.EqualTo(expected));
            Assert.That(fill.FilledAt.Offset, Is.EqualTo(TimeSpan.Zero));
        }
    }

    // ---------------------------------------------------------------- fills

    [Test]
    public async Task Recording_a_fill_writes_fill_order_status_position_and_audit_together()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "11");

        var result = await NewRecordFill().ExecuteAsync(FillOf(order, "f-1", "64000", "0.25", fee: "6.4"), CancellationToken.None);

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        var position = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        var audit = await Read((s, ct) => s.Audit.GetRecentAsync(AuditEventType.Fill, 10, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(stored!.Status, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(stored.FilledQuantity, Is.EqualTo(Quantity.Parse("0.25")));
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("-0.25")));
            Assert.That(position.EntryNotional, Is.EqualTo(Amount.Parse("16000")));
            Assert.That(position.FeesPaid, Is.EqualTo(Amount.Parse("6.4")));
            Assert.That(audit.Single().Data["exchange_fill_id"], Is.EqualTo("f-1"));
        }
    }

    [Test]
    public async Task The_same_exchange_fill_id_is_recorded_once()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "12");
        var fill = FillOf(order, "f-dup", "100", "0.5");

        var first = await NewRecordFill().ExecuteAsync(fill, CancellationToken.None);
        var second = await NewRecordFill().ExecuteAsync(fill, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(second.Status, Is.EqualTo(RecordFillStatus.Duplicate));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(1));
            Assert.That((await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct)))!.NetQuantity, Is.EqualTo(Amount.Parse("-0.5")));
        }
    }

    [Test]
    public async Task The_same_fill_recorded_concurrently_is_stored_once()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "13");
        var fill = FillOf(order, "f-race", "100", "0.5");

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => NewRecordFill().ExecuteAsync(fill, CancellationToken.None))));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Count(r => r.Status == RecordFillStatus.Recorded), Is.EqualTo(1));
            Assert.That(results.Count(r => r.Status == RecordFillStatus.Duplicate), Is.EqualTo(5));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(1));
            Assert.That((await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct)))!.FillCount, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Concurrent_fills_of_one_position_are_all_applied()
    {
        var orders = new List<Order>();
        for (var i = 0; i < 6; i++)
        {
            orders.Add(await CreateOpenAsync(PendingOrder($"leg-{i}", quantity: "1"), $"c-{i}"));
        }

        await Task.WhenAll(orders.Select((o, i) => Task.Run(() => NewRecordFill().ExecuteAsync(FillOf(o, $"f-c-{i}", "100", "1"), CancellationToken.None))));

        var position = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        var fills = await Read((s, ct) => s.Fills.GetByPositionAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("-6")));
            Assert.That(position.FillCount, Is.EqualTo(6));
            Assert.That(fills.Select(f => f.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4, 5, 6 }));
        }
    }

    [Test]
    public async Task A_failure_in_the_last_step_of_record_fill_leaves_nothing_written()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "14");
        await NewRecordFill().ExecuteAsync(FillOf(order, "f-before", "100", "0.25"), CancellationToken.None);
        var positionBefore = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        Db.Faults.RejectCommandsNaming("audit_log");

        var failure = Assert.CatchAsync(() => NewRecordFill().ExecuteAsync(FillOf(order, "f-fails", "200", "0.5"), CancellationToken.None));
        Assert.That(failure!.GetBaseException().Message, Does.Contain(LedgerFaults.MissingTable));

        Db.Faults.Clear();
        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        var positionAfter = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills WHERE exchange_fill_id = 'f-fails'"), Is.Zero);
            Assert.That(stored!.FilledQuantity, Is.EqualTo(Quantity.Parse("0.25")));
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(positionAfter!.SameBalancesAs(positionBefore!), Is.True);
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task A_write_command_is_made_once_per_shape_and_every_run_of_it_passes_the_interceptors()
    {
        // Two fills in: the next ones are the steady state (no read; the same tables and columns each time).
        var order = await OrderWithTwoFillsAsync("kept-1");
        var recordFill = NewRecordFill();
        Db.Traffic.Clear();
        await recordFill.ExecuteAsync(FillOf(order, "k-3", "102", "0.1"), CancellationToken.None);
        await recordFill.ExecuteAsync(FillOf(order, "k-4", "103", "0.1"), CancellationToken.None);
        var (commands, created) = (Db.Traffic.Commands, Db.Traffic.CommandsCreated);

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(commands.Count(c => System.Text.RegularExpressions.Regex.IsMatch(c, "INSERT INTO \"?fills\"? ")), Is.EqualTo(2), "each run is seen by the interceptors: " + string.Join("\n---\n", commands));
            Assert.That(created, Is.Zero, "the write command of that shape was made once, before, and bound anew for these two fills");
            Assert.That(stored!.FilledQuantity, Is.EqualTo(Quantity.Parse("0.7")), "each run wrote its own values");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills WHERE exchange_fill_id IN ('k-3', 'k-4') AND price_quote IN (10200000000, 10300000000)"), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task A_write_command_whose_run_failed_is_not_reused()
    {
        var order = await OrderWithTwoFillsAsync("kept-2");
        var recordFill = NewRecordFill();
        Db.Faults.RejectCommandsNaming("audit_log");
        Assert.CatchAsync(() => recordFill.ExecuteAsync(FillOf(order, "r-3", "100", "0.1"), CancellationToken.None));
        Db.Faults.Clear();

        var next = await recordFill.ExecuteAsync(FillOf(order, "r-4", "100", "0.1"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(next.Status, Is.EqualTo(RecordFillStatus.Recorded), "the next fill of that shape runs on a fresh command");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(3));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills WHERE exchange_fill_id = 'r-4'"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task A_write_command_an_interceptor_rewrote_runs_rewritten_once_then_its_own_sql_again()
    {
        var order = await OrderWithTwoFillsAsync("kept-3");
        var recordFill = NewRecordFill();
        Db.Faults.MarkCommands("rewritten");
        Db.Traffic.Clear();
        await recordFill.ExecuteAsync(FillOf(order, "w-3", "100", "0.1"), CancellationToken.None);
        var rewritten = Db.Traffic.Commands;
        Db.Faults.Clear();
        Db.Traffic.Clear();

        await recordFill.ExecuteAsync(FillOf(order, "w-4", "100", "0.1"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rewritten, Has.Count.EqualTo(1).And.All.StartWith("/* rewritten */"));
            Assert.That(Db.Traffic.Commands, Has.Count.EqualTo(1).And.None.Contain("rewritten"), "the kept command of that shape was not the rewritten one");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(4));
        }
    }

    [Test]
    public async Task An_order_and_a_fill_of_it_written_in_one_unit_of_work_are_both_stored()
    {
        var order = PendingOrder(quantity: "1");
        var fill = FillOf(order, "same-unit", "100", "0.5");

        var added = await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Orders.CreateAsync(order, ct);
                return await s.Fills.TryAddAsync(fill, 1, ct);
            },
            CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(added, Is.True);
            Assert.That(await Read((s, ct) => s.Fills.GetByOrderAsync(order.Id, ct)), Has.Count.EqualTo(1));
        }
    }

    // ---------------------------------------------------------------- fills recorded from memory (no read in the steady state)

    // Two fills: the first inserts the position; after the second, the ledger remembers the order and its position and
    // records the next fill of the order without reading first.
    private async Task<Order> OrderWithTwoFillsAsync(string exchangeOrderId)
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), exchangeOrderId);
        Assert.That((await NewRecordFill().ExecuteAsync(FillOf(order, "m-1", "100", "0.25"), CancellationToken.None)).Status, Is.EqualTo(RecordFillStatus.Recorded));
        Assert.That((await NewRecordFill().ExecuteAsync(FillOf(order, "m-2", "100", "0.25"), CancellationToken.None)).Status, Is.EqualTo(RecordFillStatus.Recorded));
        return order;
    }

    [Test]
    public async Task A_position_edited_by_hand_without_moving_its_version_is_built_on_not_overwritten()
    {
        var order = await OrderWithTwoFillsAsync("m-31");
        Assert.That(await Db.ExecuteAsync("UPDATE positions SET net_quantity_base = net_quantity_base - 100000000, fees_paid_quote = fees_paid_quote + 500000000"), Is.EqualTo(1));

        var result = await NewRecordFill().ExecuteAsync(FillOf(order, "m-3", "100", "0.25", fee: "0.01"), CancellationToken.None);

        var position = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("-1.75")), "-0.5 recorded, -1 by hand, -0.25 now");
            Assert.That(position.FeesPaid, Is.EqualTo(Amount.Parse("5.03")), "0.02 recorded, 5 by hand, 0.01 now");
            Assert.That(position.FillCount, Is.EqualTo(3));
        }
    }

    [Test]
    public async Task An_order_edited_by_hand_between_fills_is_decided_on_as_stored()
    {
        var order = await OrderWithTwoFillsAsync("m-32");
        Assert.That(await Db.ExecuteAsync($"UPDATE orders SET quantity_base = 75000000 WHERE id = '{order.Id}'"), Is.EqualTo(1));

        var result = await NewRecordFill().ExecuteAsync(FillOf(order, "m-3", "100", "0.25"), CancellationToken.None);

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(result.OrderStatus, Is.EqualTo(OrderStatus.Filled), "0.75 of the 0.75 the row now orders");
            Assert.That(stored!.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(stored.Quantity, Is.EqualTo(Quantity.Parse("0.75")));
            Assert.That(stored.FilledQuantity, Is.EqualTo(Quantity.Parse("0.75")));
        }
    }

    [Test]
    public async Task A_fill_another_process_recorded_meanwhile_is_not_recorded_twice_and_later_fills_build_on_it()
    {
        var order = await OrderWithTwoFillsAsync("m-33");
        var other = new RecordFill(Db.AnotherProcess(), new TestClock(T0.AddMinutes(1)));
        Assert.That((await other.ExecuteAsync(FillOf(order, "m-3", "100", "0.25"), CancellationToken.None)).Status, Is.EqualTo(RecordFillStatus.Recorded));

        var repeated = await NewRecordFill().ExecuteAsync(FillOf(order, "m-3", "100", "0.25"), CancellationToken.None);
        var next = await NewRecordFill().ExecuteAsync(FillOf(order, "m-4", "100", "0.25"), CancellationToken.None);

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        var position = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        var fills = await Read((s, ct) => s.Fills.GetByPositionAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(repeated.Status, Is.EqualTo(RecordFillStatus.Duplicate));
            Assert.That(next.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(next.OrderStatus, Is.EqualTo(OrderStatus.Filled));
            Assert.That(stored!.FilledQuantity, Is.EqualTo(Quantity.Parse("1")));
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("-1")));
            Assert.That(fills.Select(f => (f.Fill.ExchangeFillId.Value, f.Sequence)), Is.EqualTo(new[] { ("m-1", 1L), ("m-2", 2L), ("m-3", 3L), ("m-4", 4L) }));
        }

        // The order is filled now: a late repeat of the fill the other process recorded is still a duplicate, not an over-fill.
        var auditBefore = await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log");
        var late = await NewRecordFill().ExecuteAsync(FillOf(order, "m-3", "100", "0.25"), CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(late.Status, Is.EqualTo(RecordFillStatus.Duplicate));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(4));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(auditBefore));
        }
    }

    [Test]
    public async Task A_fill_that_would_over_fill_the_remembered_order_is_decided_on_the_stored_one()
    {
        var order = await OrderWithTwoFillsAsync("m-37");
        Assert.That(await Db.ExecuteAsync($"UPDATE orders SET quantity_base = 200000000 WHERE id = '{order.Id}'"), Is.EqualTo(1));

        // 0.5 filled + 1 would over-fill the remembered 1, not the stored 2.
        var result = await NewRecordFill().ExecuteAsync(FillOf(order, "m-3", "100", "1"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(result.OrderStatus, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(await Db.ScalarAsync($"SELECT filled_quantity_base FROM orders WHERE id = '{order.Id}'"), Is.EqualTo(150_000_000));
        }
    }

    [Test]
    public async Task A_unit_that_records_two_fills_of_one_order_builds_the_second_on_the_first()
    {
        var order = await OrderWithTwoFillsAsync("m-36");

        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                foreach (var id in (string[])["m-3", "m-4"])
                {
                    var fill = FillOf(order, id, "100", "0.25");
                    var target = (await s.Fills.FindTargetAsync(fill, ct))!;
                    var current = target.Order;
                    var position = target.Position!;
                    Assert.That(current.ApplyFill(fill, T0.AddMinutes(2)), Is.EqualTo(FillApplication.Applied), id);
                    Assert.That(await s.Fills.TryAddAsync(fill, position.FillCount + 1, ct), Is.True, id);
                    position.ApplyFill(current.Side, fill);
                    await s.Orders.UpdateAsync(current, ct);
                    await s.Positions.SaveAsync(position, ct);
                }

                return 0;
            },
            CancellationToken.None);

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        var position = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        var fills = await Read((s, ct) => s.Fills.GetByPositionAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored!.FilledQuantity, Is.EqualTo(Quantity.Parse("1")));
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("-1")));
            Assert.That(position.FillCount, Is.EqualTo(4));
            Assert.That(fills.Select(f => f.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
        }
    }

    [Test]
    public async Task A_fill_of_an_order_deleted_meanwhile_is_for_an_unknown_order_and_writes_nothing()
    {
        var order = await OrderWithTwoFillsAsync("m-34");
        Assert.That(await Db.ExecuteAsync($"DELETE FROM orders WHERE id = '{order.Id}'"), Is.EqualTo(1));
        var auditBefore = await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log");

        var result = await NewRecordFill().ExecuteAsync(FillOf(order, "m-3", "100", "0.25"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.UnknownOrder));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.Zero, "the order's fills went with it, and none was added");
            Assert.That(await Db.ScalarAsync("SELECT fill_count FROM positions"), Is.EqualTo(2));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(auditBefore));
        }
    }

    [Test]
    public async Task Two_processes_alternating_fills_of_one_order_apply_every_fill_once()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "2"), "m-35");
        var mine = NewRecordFill();
        var theirs = new RecordFill(Db.AnotherProcess(), new TestClock(T0.AddMinutes(1)));
        for (var i = 0; i < 8; i++)
        {
            var result = await (i % 3 == 0 ? theirs : mine).ExecuteAsync(FillOf(order, $"m-alt-{i}", "100", "0.25"), CancellationToken.None);
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded), $"fill {i}");
        }

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        var position = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        var fills = await Read((s, ct) => s.Fills.GetByPositionAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored!.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(stored.FilledQuantity, Is.EqualTo(Quantity.Parse("2")));
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("-2")));
            Assert.That(position.FeesPaid, Is.EqualTo(Amount.Parse("0.08")));
            Assert.That(fills.Select(f => f.Sequence), Is.EqualTo(Enumerable.Range(1, 8).Select(i => (long)i)));
        }
    }

    // ---------------------------------------------------------------- optimistic writes

    [Test]
    public async Task An_order_changed_after_a_unit_read_it_fails_that_unit_and_the_rerun_keeps_both_changes()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "21");
        var attempts = 0;

        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                attempts++;
                var current = (await s.Orders.FindByIdAsync(order.Id, ct))!;
                if (attempts == 1)
                {
                    // Another writer fills part of the order between this unit's read and its write.
                    await NewRecordFill().ExecuteAsync(FillOf(order, "f-meanwhile", "100", "0.25"), ct);
                }

                var before = current.Status;
                current.TransitionTo(OrderStatus.Cancelled, T0.AddMinutes(2));
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.StateTransition, T0.AddMinutes(2), ("from", before.ToCode()), ("to", "CANCELLED")), ct);
                await s.Orders.UpdateAsync(current, ct);
                return current;
            },
            CancellationToken.None);

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(attempts, Is.EqualTo(2), "the first attempt's update found the order changed");
            Assert.That(stored!.Status, Is.EqualTo(OrderStatus.Cancelled));
            Assert.That(stored.FilledQuantity, Is.EqualTo(Quantity.Parse("0.25")), "the fill recorded meanwhile is not overwritten");
            Assert.That(
                await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE event_type = 'STATE_TRANSITION'"),
                Is.EqualTo(2),
                "the fill's transition and the cancel: the failed attempt wrote none of its batch");
        }
    }

    [Test]
    public async Task A_position_changed_after_a_unit_read_it_fails_that_unit_and_the_rerun_keeps_both_changes()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "22");
        await NewRecordFill().ExecuteAsync(FillOf(order, "f-1", "100", "0.5"), CancellationToken.None);
        var meanwhile = new FundingPayment("p-meanwhile", Binance, BtcUsdt, new Money(Usdt, Amount.Parse("1")), T0.AddHours(1));
        var mine = new FundingPayment("p-mine", Binance, BtcUsdt, new Money(Usdt, Amount.Parse("2")), T0.AddHours(2));
        var attempts = 0;

        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                attempts++;
                var position = (await s.Positions.GetAsync(Binance, BtcUsdt, ct))!;
                if (attempts == 1)
                {
                    await new TradingBot.Application.Funding.RecordFundingPayment(Ledger, new TestClock(T0)).ExecuteAsync(meanwhile, ct);
                }

                await s.FundingPayments.TryAddAsync(mine, ct);
                position.ApplyFunding(mine.Amount, mine.PaidAt);
                await s.Positions.SaveAsync(position, ct);
                return position;
            },
            CancellationToken.None);

        var stored = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(attempts, Is.EqualTo(2));
            Assert.That(stored!.FundingReceived, Is.EqualTo(Amount.Parse("3")));
            Assert.That(stored.NetQuantity, Is.EqualTo(Amount.Parse("-0.5")));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM funding_payments"), Is.EqualTo(2), "the failed attempt's payment row was not written");
        }
    }

    [Test]
    public async Task Writes_sent_early_for_a_read_still_roll_back_with_the_rest_of_the_unit()
    {
        var failure = Assert.CatchAsync(() => Ledger.ExecuteAsync<int>(
            async (s, ct) =>
            {
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0, ("step", "1")), ct);
                var seen = await s.Audit.GetRecentAsync(null, 10, ct);
                Assert.That(seen, Has.Count.EqualTo(1), "the session reads its own writes");
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0, ("step", "2")), ct);
                throw new InvalidOperationException("the unit fails after its first writes were sent");
            },
            CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure, Is.InstanceOf<InvalidOperationException>());
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.Zero);
        }
    }

    [Test]
    public async Task Writes_sent_early_for_a_read_commit_with_the_rest_of_the_unit()
    {
        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0, ("step", "1")), ct);
                await s.Audit.GetRecentAsync(null, 10, ct);
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0.AddSeconds(1), ("step", "2")), ct);
                return 0;
            },
            CancellationToken.None);

        Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(2));
    }

    // ---------------------------------------------------------------- read-only units

    [Test]
    public async Task A_read_only_unit_sees_one_snapshot_while_other_units_commit_without_waiting_for_it()
    {
        var order = await CreateOpenAsync(PendingOrder(), "8389765537");
        var recordFill = NewRecordFill();

        var (fillsBefore, fillsAfter, ordersAfter, recorded) = await Ledger.ReadAsync(
            async (s, ct) =>
            {
                var before = await s.Fills.GetAllAsync(ct);
                // Another unit commits a fill and a new order while this one is open: it must not wait for it.
                var result = await recordFill.ExecuteAsync(FillOf(order, "t-1", "64000", "0.1"), ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
                await CreateAsync(PendingOrder("close")).WaitAsync(TimeSpan.FromSeconds(10), ct);
                return (before.Count, (await s.Fills.GetAllAsync(ct)).Count, (await s.Orders.GetAllAsync(ct)).Count, result.Status);
            },
            CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recorded, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That((fillsBefore, fillsAfter, ordersAfter), Is.EqualTo((0, 0, 1)), "the reads after the other units committed still see the moment of the first read");
            Assert.That((await Read((s, ct) => s.Fills.GetAllAsync(ct))).Count, Is.EqualTo(1));
            Assert.That((await Read((s, ct) => s.Orders.GetAllAsync(ct))).Count, Is.EqualTo(2));
        }
    }

    [Test]
    public async Task A_read_only_unit_that_tries_to_write_fails_and_writes_nothing()
    {
        var order = PendingOrder();

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => Ledger.ReadAsync(
            async (s, ct) =>
            {
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0, ("step", "1")), ct);
                return await s.Orders.CreateAsync(order, ct);
            },
            CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.Contain("read-only").And.Contain("audit_log"));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM orders"), Is.EqualTo(0));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(0));
        }
    }

    [Test]
    public async Task An_over_fill_is_refused_and_writes_nothing()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "15");

        var result = await NewRecordFill().ExecuteAsync(FillOf(order, "f-over", "100", "1.5"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Refused));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.Zero);
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM positions"), Is.Zero);
        }
    }

    [Test]
    public async Task A_position_equals_a_replay_of_its_recorded_fills()
    {
        var random = new Random(20261125);
        for (var i = 0; i < 12; i++)
        {
            var side = random.Next(2) == 0 ? Side.Buy : Side.Sell;
            var order = await CreateOpenAsync(PendingOrder($"r{i}", side: side, quantity: "2"), $"r-{i}");
            await NewRecordFill().ExecuteAsync(FillOf(order, $"f-r-{i}", (60000 + random.Next(5000)).ToString(System.Globalization.CultureInfo.InvariantCulture) + ".123", "1.5", at: T0.AddMinutes(i)), CancellationToken.None);
        }

        var stored = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        var fills = await Read((s, ct) => s.Fills.GetByPositionAsync(Binance, BtcUsdt, ct));
        var replay = Position.Replay(Binance, BtcUsdt, fills.Select(f => (f.Side, f.Fill)));

        Assert.That(stored!.SameBalancesAs(replay), Is.True);
    }

    // ---------------------------------------------------------------- verification reads, streamed

    private static readonly string[] ReplayOrder = ["BINANCE/BTCUSDT f-a-1 #1 Sell", "BINANCE/BTCUSDT f-a-2 #2 Sell", "BINANCE/ETHUSDT f-c-1 #1 Sell"];

    [Test]
    public async Task Verification_streams_each_order_with_its_fill_sum_and_the_fills_position_by_position_in_replay_order()
    {
        var a = await CreateOpenAsync(PendingOrder("a", quantity: "1"), "1");
        var b = await CreateOpenAsync(PendingOrder("b", symbol: EthUsdt), "2");
        var c = await CreateOpenAsync(PendingOrder("c", quantity: "1", symbol: EthUsdt), "3");
        var record = NewRecordFill();
        await record.ExecuteAsync(FillOf(a, "f-a-1", "100", "0.25"), CancellationToken.None);
        await record.ExecuteAsync(FillOf(c, "f-c-1", "100", "0.5"), CancellationToken.None);
        await record.ExecuteAsync(FillOf(a, "f-a-2", "101", "0.75"), CancellationToken.None);

        var orders = await Read(async (s, ct) =>
        {
            var list = new List<OrderWithFills>();
            await foreach (var order in s.Orders.StreamWithFillsAsync(ct))
            {
                list.Add(order);
            }

            return list;
        });
        var fills = await Read(async (s, ct) =>
        {
            var list = new List<PositionFill>();
            await foreach (var fill in s.Fills.StreamForReplayAsync(ct))
            {
                list.Add(fill);
            }

            return list;
        });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(orders.Select(o => (o.Order.Id, o.Filled, o.Fills)), Is.EquivalentTo(new[] { (a.Id, Quantity.Parse("1"), 2L), (b.Id, Quantity.Zero, 0L), (c.Id, Quantity.Parse("0.5"), 1L) }));
            Assert.That(fills.Select(f => $"{f.Exchange}/{f.Symbol} {f.Recorded.Fill.ExchangeFillId.Value} #{f.Recorded.Sequence} {f.Recorded.Side}"), Is.EqualTo(ReplayOrder));
        }
    }

    [Test]
    public async Task Verify_on_the_database_finds_a_fill_changed_behind_the_ledgers_back()
    {
        var order = await CreateOpenAsync(PendingOrder("a", quantity: "1"), "1");
        await NewRecordFill().ExecuteAsync(FillOf(order, "f-a-1", "100", "1"), CancellationToken.None);
        var verify = new TradingBot.Application.Verification.VerifyLedger(Ledger, Db.Integrity, new TestClock(T0.AddMinutes(2)), OrderTiming.Default);
        Assert.That((await verify.ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), CancellationToken.None)).Violations, Is.Empty);

        await Db.ExecuteAsync("UPDATE fills SET quantity_base = quantity_base - 1 WHERE exchange_fill_id = 'f-a-1'");
        var report = await verify.ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Violations, Has.Some.EqualTo($"order {order.IdempotencyKey} records 1 filled but its fills sum to 0.99999999"));
            Assert.That(report.Violations, Has.Some.StartsWith("position BINANCE/BTCUSDT is not a replay of its fills and funding"));
            Assert.That((report.OrdersChecked, report.FillsChecked, report.PositionsChecked), Is.EqualTo((1, 1, 1)));
        }
    }

    // ---------------------------------------------------------------- funding

    [Test]
    public async Task Funding_history_returns_the_range_newest_first_with_exact_values()
    {
        for (var i = 0; i < 30; i++)
        {
            var snapshot = new FundingSnapshot(Binance, BtcUsdt, FundingRate.Parse("0.000" + (10000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), Price.Parse("64000.12345678"), Price.Parse("63990.5"), T0.AddHours(i));
            await Ledger.ExecuteAsync(async (s, ct) => { await s.FundingSnapshots.AppendAsync(snapshot, ct); return 0; }, CancellationToken.None);
        }

        await Ledger.ExecuteAsync(async (s, ct) => { await s.FundingSnapshots.AppendAsync(new FundingSnapshot(Binance, EthUsdt, FundingRate.Parse("0.0001"), Price.Parse("3000"), Price.Parse("3000"), T0.AddHours(5)), ct); return 0; }, CancellationToken.None);

        var range = await Read((s, ct) => s.FundingSnapshots.GetRangeAsync(Binance, BtcUsdt, T0.AddHours(5), T0.AddHours(29), ct));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(range, Has.Count.EqualTo(24));
            Assert.That(range[0].SnapshotAt, Is.EqualTo(T0.AddHours(28)));
            Assert.That(range[^1].SnapshotAt, Is.EqualTo(T0.AddHours(5)));
            Assert.That(range.Select(r => r.SnapshotAt), Is.Ordered.Descending);
            Assert.That(range[0].Rate.Units, Is.EqualTo(10028));
            Assert.That(range[0].MarkPrice, Is.EqualTo(Price.Parse("64000.12345678")));
            Assert.That(range.All(r => r.Symbol == BtcUsdt), Is.True);
        }
    }

    [Test]
    public async Task A_funding_payment_is_recorded_once_and_counted_in_the_position()
    {
        var payment = new FundingPayment("BINANCE:income:123", Binance, BtcUsdt, new Money(Usdt, Amount.Parse("1.2345")), T0);
        var record = new TradingBot.Application.Funding.RecordFundingPayment(Ledger, new TestClock(T0));

        var first = await record.ExecuteAsync(payment, CancellationToken.None);
        var second = await record.ExecuteAsync(payment, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.True);
            Assert.That(second, Is.False);
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM funding_payments"), Is.EqualTo(1));
            Assert.That((await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct)))!.FundingReceived, Is.EqualTo(Amount.Parse("1.2345")));
            Assert.That(await Read((s, ct) => s.FundingPayments.GetLatestPaidAtAsync(Binance, ct)), Is.EqualTo(T0));
        }
    }

    // ---------------------------------------------------------------- snapshots and audit

    [Test]
    public async Task A_state_snapshot_round_trips_through_json()
    {
        var snapshot = new StateSnapshot(
            Guid.CreateVersion7(),
            Binance,
            T0,
            [new BalanceView(Usdt, Amount.Parse("10000.12345678"), Amount.Parse("-0.5"))],
            [new PositionView(BtcUsdt, Amount.Parse("-0.25"), Price.Parse("64000.1")), new PositionView(EthUsdt, Amount.Zero, null)],
            [new OpenOrderView(BtcUsdt, "tb-abc", "123", Side.Buy, OrderType.Limit, Quantity.Parse("1"), Price.Parse("60000"), Quantity.Parse("0.1"), OrderStatus.PartiallyFilled)]);
        await Ledger.ExecuteAsync(async (s, ct) => { await s.StateSnapshots.AddAsync(snapshot, ct); return 0; }, CancellationToken.None);

        var stored = await Read((s, ct) => s.StateSnapshots.GetLatestAsync(Binance, ct));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored, Is.Not.Null);
            Assert.That(stored!.Id, Is.EqualTo(snapshot.Id));
            Assert.That(stored.ReconciledAt, Is.EqualTo(T0));
            Assert.That(stored.Balances, Is.EqualTo(snapshot.Balances));
            Assert.That(stored.Positions, Is.EqualTo(snapshot.Positions));
            Assert.That(stored.OpenOrders, Is.EqualTo(snapshot.OpenOrders));
        }
    }

    [Test]
    public async Task The_latest_state_snapshot_of_an_exchange_is_found_behind_many_newer_ones_of_another()
    {
        var other = new ExchangeName("OTHER");
        static StateSnapshot Of(ExchangeName exchange, DateTimeOffset at) => new(Guid.CreateVersion7(), exchange, at, [], [], []);
        var older = Of(Binance, T0.AddMinutes(-1));
        var latest = Of(Binance, T0);
        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.StateSnapshots.AddAsync(older, ct);
                await s.StateSnapshots.AddAsync(latest, ct);
                for (var i = 1; i <= 40; i++)
                {
                    await s.StateSnapshots.AddAsync(Of(other, T0.AddSeconds(i)), ct);
                }

                return 0;
            },
            CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await Read((s, ct) => s.StateSnapshots.GetLatestAsync(Binance, ct)))?.Id, Is.EqualTo(latest.Id));
            Assert.That((await Read((s, ct) => s.StateSnapshots.GetLatestAsync(other, ct)))?.ReconciledAt, Is.EqualTo(T0.AddSeconds(40)));
            Assert.That(await Read((s, ct) => s.StateSnapshots.GetLatestAsync(new ExchangeName("NONE"), ct)), Is.Null);
        }
    }

    [Test]
    public async Task Audit_events_round_trip_newest_first()
    {
        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0, ("reason", "rate 3.8246 bps ≥ entry"), ("quote", "it's \"quoted\"")), ct);
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Error, T0.AddSeconds(1), ("error", "timeout")), ct);
                return 0;
            },
            CancellationToken.None);

        var all = await Read((s, ct) => s.Audit.GetRecentAsync(null, 10, ct));
        var decisions = await Read((s, ct) => s.Audit.GetRecentAsync(AuditEventType.Decision, 10, ct));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(all.Select(a => a.Type), Is.EqualTo(new[] { AuditEventType.Error, AuditEventType.Decision }));
            Assert.That(decisions.Single().Data["reason"], Is.EqualTo("rate 3.8246 bps ≥ entry"));
            Assert.That(decisions.Single().Data["quote"], Is.EqualTo("it's \"quoted\""));
        }
    }

    [Test]
    public async Task An_audit_event_and_snapshots_appended_again_by_another_unit_are_stored_once()
    {
        // The second unit's first attempt fails on the primary key; its re-run finds each row stored.
        var decision = AuditEvent.Create(AuditEventType.Decision, T0, ("decision", "hold (flat)"));
        var funding = new FundingSnapshot(Binance, BtcUsdt, FundingRate.Parse("0.0001"), Price.Parse("64000"), Price.Parse("63990"), T0);
        var state = new StateSnapshot(Guid.CreateVersion7(), Binance, T0, [], [], []);
        for (var unit = 0; unit < 2; unit++)
        {
            await Ledger.ExecuteAsync(
                async (s, ct) =>
                {
                    await s.Audit.AppendAsync(decision, ct);
                    await s.FundingSnapshots.AppendAsync(funding, ct);
                    await s.StateSnapshots.AddAsync(state, ct);
                    return true;
                },
                CancellationToken.None);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM funding_snapshots"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM state_snapshots"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task An_audit_event_whose_commit_answer_was_lost_is_stored_once()
    {
        // The event is made before the unit of work, as its callers do, so the re-run appends the same one.
        var decision = AuditEvent.Create(AuditEventType.Decision, T0, ("symbol", "BTCUSDT"), ("decision", "hold (flat)"));
        Db.Faults.FailCommits(() => new DbUpdateConcurrencyException("injected: the commit's answer was lost"), afterCommit: true);

        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Audit.AppendAsync(decision, ct);
                return true;
            },
            CancellationToken.None);

        var stored = await Read((s, ct) => s.Audit.GetRecentAsync(null, 10, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Db.Faults.CommitsFaulted, Is.EqualTo(1), "the first attempt's commit landed, its answer did not");
            Assert.That(stored.Select(e => e.Id), Is.EqualTo(new[] { decision.Id }));
        }
    }

    [Test]
    public async Task The_audit_log_tells_whether_an_event_is_stored()
    {
        var stored = AuditEvent.ForOccurrence("trade T9|foreign", AuditEventType.Error, T0, ("error", "foreign"));
        var other = AuditEvent.ForOccurrence("trade T8|foreign", AuditEventType.Error, T0, ("error", "foreign"));
        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Audit.AppendAsync(stored, ct);
                return true;
            },
            CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Read((s, ct) => s.Audit.ContainsAsync(stored.Id, ct)), Is.True);
            Assert.That(await Read((s, ct) => s.Audit.ContainsAsync(other.Id, ct)), Is.False);
        }
    }

    [Test]
    public async Task A_fill_whose_commit_answer_was_lost_is_reported_recorded_and_stored_once()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "lost-fill");
        Db.Faults.FailCommits(() => new DbUpdateConcurrencyException("injected: the commit's answer was lost"), afterCommit: true);

        var result = await NewRecordFill().ExecuteAsync(FillOf(order, "f-lost", "64000", "0.25", fee: "6.4"), CancellationToken.None);

        var position = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Db.Faults.CommitsFaulted, Is.EqualTo(1), "the first attempt's commit landed, its answer did not");
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded), "the unit finds its own fill stored, and answers as its commit would have");
            Assert.That(result.OrderStatus, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE event_type = 'FILL'"), Is.EqualTo(1));
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("-0.25")));
            Assert.That(position.FillCount, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task A_fill_whose_commit_failed_before_landing_is_recorded_by_the_rerun()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "failed-fill");
        Db.Faults.FailCommits(() => new DbUpdateConcurrencyException("injected: the commit failed"), afterCommit: false);

        var result = await NewRecordFill().ExecuteAsync(FillOf(order, "f-failed", "64000", "0.25"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Db.Faults.CommitsFaulted, Is.EqualTo(1));
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded), "the failed attempt's fill is not stored, so the work runs again");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT fill_count FROM positions"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task A_funding_payment_whose_commit_answer_was_lost_is_reported_recorded_and_counted_once()
    {
        var payment = new FundingPayment("BINANCE:income:lost", Binance, BtcUsdt, new Money(Usdt, Amount.Parse("1.2345")), T0);
        Db.Faults.FailCommits(() => new DbUpdateConcurrencyException("injected: the commit's answer was lost"), afterCommit: true);

        var recorded = await new TradingBot.Application.Funding.RecordFundingPayment(Ledger, new TestClock(T0)).ExecuteAsync(payment, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Db.Faults.CommitsFaulted, Is.EqualTo(1));
            Assert.That(recorded, Is.True, "the unit finds its own payment stored, and answers as its commit would have");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM funding_payments"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE event_type = 'FUNDING'"), Is.EqualTo(1));
            Assert.That((await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct)))!.FundingReceived, Is.EqualTo(Amount.Parse("1.2345")));
        }
    }

    // ---------------------------------------------------------------- constraints at the database

    [TestCase("side", "'HOLD'")]
    [TestCase("type", "'STOP'")]
    [TestCase("status", "'DONE'")]
    [TestCase("quantity_base", "0")]
    public void The_database_rejects_an_order_that_breaks_a_check(string column, string value)
    {
        var values = new Dictionary<string, string>
        {
            ["side"] = "'BUY'",
            ["type"] = "'MARKET'",
            ["status"] = "'PENDING'",
            ["quantity_base"] = "1",
        };
        values[column] = value;
        var sql = $"INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, filled_quantity_base) " +
                  $"VALUES ('{Guid.NewGuid()}', 'BINANCE', 'BTCUSDT', {values["side"]}, {values["type"]}, {values["quantity_base"]}, {values["status"]}, 0)";

        var exception = Assert.CatchAsync(() => Db.ExecuteAsync(sql));

        Assert.That(exception!.Message, Does.Contain("check").IgnoreCase.Or.Contain("constraint").IgnoreCase);
    }

    [Test]
    public async Task The_database_accepts_a_valid_raw_order_and_rejects_a_duplicate_fill_id()
    {
        var id = Guid.NewGuid();
        await Db.ExecuteAsync($"INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, filled_quantity_base) VALUES ('{id}', 'BINANCE', 'BTCUSDT', 'BUY', 'MARKET', 1, 'OPEN', 0)");
        var insertFill = $"INSERT INTO fills (id, order_id, exchange_fill_id, price_quote, quantity_base, fee_quote, fee_asset, filled_at, position_sequence) " +
                         $"VALUES ('{{0}}', '{id}', 'dup', 1, 1, 0, 'USDT', '2026-11-20 08:00:00', 1)";
        await Db.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, insertFill, Guid.NewGuid()));

        var exception = Assert.CatchAsync(() => Db.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, insertFill, Guid.NewGuid())));

        Assert.That(exception!.Message, Does.Contain("unique").IgnoreCase.Or.Contain("duplicate").IgnoreCase);
    }

    [Test]
    public async Task Deleting_an_order_cascades_to_its_fills()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "16");
        await NewRecordFill().ExecuteAsync(FillOf(order, "f-cascade", "100", "1"), CancellationToken.None);

        await Db.ExecuteAsync($"DELETE FROM orders WHERE exchange_order_id = 'BINANCE:BTCUSDT:16'");

        Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.Zero);
    }
}
