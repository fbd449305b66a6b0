using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>Orders (created once per idempotency key, found, listed, stored exactly) and the halt record of a symbol.</summary>
public abstract class OrdersAndHaltsContract : PortContract
{
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
            Assert.That(await CountAsync(Records.Orders), Is.EqualTo(1));
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
            Assert.That(await CountAsync(Records.Fills), Is.EqualTo(2));
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
        await Ledger.ExecuteAsync((s, ct) => s.Fills.TryAddAsync(rebate, 1, Amount.Zero, ct), CancellationToken.None);
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
            Assert.That(await CountAsync(Records.Halts), Is.EqualTo(1));
            Assert.That(await Read((s, ct) => s.Halts.GetAsync(Binance, new Symbol("ETHUSDT"), ct)), Is.Null);
        }
    }
}
