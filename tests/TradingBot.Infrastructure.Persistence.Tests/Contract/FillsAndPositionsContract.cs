using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.Infrastructure.Persistence.Repositories;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>Fills (recorded once, in sequence, with their order, position and audit), positions, and the streamed reads verification replays.</summary>
public abstract class FillsAndPositionsContract : PortContract
{
    private static readonly string[] ReplayOrder = ["BINANCE/BTCUSDT f-a-1 #1 Sell", "BINANCE/BTCUSDT f-a-2 #2 Sell", "BINANCE/ETHUSDT f-c-1 #1 Sell"];

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
            Assert.That(await CountAsync(Records.Fills), Is.EqualTo(1));
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
            Assert.That(await CountAsync(Records.Fills), Is.EqualTo(1));
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
    public async Task An_order_and_a_fill_of_it_written_in_one_unit_of_work_are_both_stored()
    {
        var order = PendingOrder(quantity: "1");
        var fill = FillOf(order, "same-unit", "100", "0.5");

        var added = await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Orders.CreateAsync(order, ct);
                return await s.Fills.TryAddAsync(fill, 1, Amount.Zero, ct);
            },
            CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(added, Is.True);
            Assert.That(await Read((s, ct) => s.Fills.GetByOrderAsync(order.Id, ct)), Has.Count.EqualTo(1));
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
            Assert.That(await CountAsync(Records.Fills), Is.Zero);
            Assert.That(await CountAsync(Records.Positions), Is.Zero);
        }
    }

    [Test]
    public async Task An_order_read_back_knows_none_of_its_fills_only_the_fill_repository_tells_a_fill_is_recorded()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "17");
        var fill = FillOf(order, "f-known", "100", "0.25");
        Assert.That((await NewRecordFill().ExecuteAsync(fill, CancellationToken.None)).Status, Is.EqualTo(RecordFillStatus.Recorded));

        var byId = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        var byKey = await Read((s, ct) => s.Orders.FindByIdempotencyKeyAsync(order.IdempotencyKey, ct));
        var byExchangeId = await Read((s, ct) => s.Orders.FindByExchangeOrderIdAsync("BINANCE:BTCUSDT:17", ct));
        var target = await Read((s, ct) => s.Fills.FindTargetAsync(fill, ct));

        // The port reads orders without their fills' ids: an order alone cannot tell a repeat from a new fill.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(byId!.ApplyFill(fill, T0.AddMinutes(2)), Is.EqualTo(FillApplication.Applied), "found by id");
            Assert.That(byKey!.ApplyFill(fill, T0.AddMinutes(2)), Is.EqualTo(FillApplication.Applied), "found by idempotency key");
            Assert.That(byExchangeId!.ApplyFill(fill, T0.AddMinutes(2)), Is.EqualTo(FillApplication.Applied), "found by exchange order id");
            Assert.That(target!.Order.ApplyFill(fill, T0.AddMinutes(2)), Is.EqualTo(FillApplication.Applied), "the fill's target order");
            Assert.That(target.AlreadyRecorded, Is.True, "the fill repository knows the fill");
            Assert.That(await Read((s, ct) => s.Fills.ContainsAsync(fill.ExchangeFillId, ct)), Is.True);
            Assert.That(
                await Read((s, ct) => s.Fills.WhichAreStoredAsync([new ExchangeFillId("BINANCE:BTCUSDT:404"), fill.ExchangeFillId, fill.ExchangeFillId], ct)),
                Is.EquivalentTo((ExchangeFillId[])[fill.ExchangeFillId]),
                "of several ids (one twice), the stored one");
            Assert.That(await Read((s, ct) => s.Fills.WhichAreStoredAsync([], ct)), Is.Empty);
            ExchangeFillId[] many = [.. Enumerable.Range(0, 1_200).Select(i => i == 700 ? fill.ExchangeFillId : new ExchangeFillId($"BINANCE:BTCUSDT:x{i}"))];
            Assert.That(await Read((s, ct) => s.Fills.WhichAreStoredAsync(many, ct)), Is.EquivalentTo((ExchangeFillId[])[fill.ExchangeFillId]), "more ids than one read takes");
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

    [Test]
    public async Task A_fill_another_process_recorded_meanwhile_is_not_recorded_twice_and_later_fills_build_on_it()
    {
        var order = await OrderWithTwoFillsAsync("m-33");
        var other = new RecordFill(AnotherProcess(), new TestClock(T0.AddMinutes(1)));
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
        var auditBefore = await CountAsync(Records.AuditEvents);
        var late = await NewRecordFill().ExecuteAsync(FillOf(order, "m-3", "100", "0.25"), CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(late.Status, Is.EqualTo(RecordFillStatus.Duplicate));
            Assert.That(await CountAsync(Records.Fills), Is.EqualTo(4));
            Assert.That(await CountAsync(Records.AuditEvents), Is.EqualTo(auditBefore));
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
                    Assert.That(await s.Fills.TryAddAsync(fill, position.FillCount + 1, Amount.Zero, ct), Is.True, id);
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
    public async Task Two_processes_alternating_fills_of_one_order_apply_every_fill_once()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "2"), "m-35");
        var mine = NewRecordFill();
        var theirs = new RecordFill(AnotherProcess(), new TestClock(T0.AddMinutes(1)));
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

    // EF Core's ledgers read orders a batch at a time: batches of one and two put every order, with fills and without,
    // at a batch's start and end.
    [TestCase(OrderRepository.OrdersPerBatch)]
    [TestCase(1)]
    [TestCase(2)]
    public async Task Verification_streams_each_order_with_its_fills_in_creation_order_and_each_positions_fills_in_replay_order(int ordersPerBatch)
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
            var stream = s.Orders is OrderRepository repository ? repository.StreamWithFillsAsync(ordersPerBatch, ct) : s.Orders.StreamWithFillsAsync(ct);
            await foreach (var order in stream)
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
            Assert.That(orders.Select(o => o.Order.Id), Is.EqualTo(new[] { a.Id, b.Id, c.Id }.OrderBy(id => id.Value)), "in id order, which is creation order");
            Assert.That(orders.Select(o => (o.Order.Id, o.Filled, string.Join(" ", o.Fills.Select(f => $"{f.Fill.ExchangeFillId.Value} #{f.Sequence} {f.Side} {f.RealizedPnl}").Order(StringComparer.Ordinal)))), Is.EqualTo(new[]
            {
                (a.Id, Quantity.Parse("1"), $"f-a-1 #1 Sell {Amount.Zero} f-a-2 #2 Sell {Amount.Zero}"),
                (b.Id, Quantity.Zero, ""),
                (c.Id, Quantity.Parse("0.5"), $"f-c-1 #1 Sell {Amount.Zero}"),
            }.OrderBy(o => o.Item1.Value)));
            Assert.That(fills.Select(f => f.Recorded.Sequence), Is.Ordered, "ordered by sequence, positions interleaved");
            Assert.That(
                fills.GroupBy(f => $"{f.Exchange}/{f.Symbol}").OrderBy(g => g.Key, StringComparer.Ordinal)
                    .SelectMany(g => g.Select(f => $"{f.Exchange}/{f.Symbol} {f.Recorded.Fill.ExchangeFillId.Value} #{f.Recorded.Sequence} {f.Recorded.Side}")),
                Is.EqualTo(ReplayOrder),
                "each position's fills in its replay order");
        }
    }

    [Test]
    public async Task The_latest_fill_time_is_the_latest_by_exchange_time_not_by_recording_and_none_without_fills()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "lt-1");
        await NewRecordFill().ExecuteAsync(FillOf(order, "lt-f1", "100", "0.25", at: T0.AddHours(2)), CancellationToken.None);
        await NewRecordFill().ExecuteAsync(FillOf(order, "lt-f2", "100", "0.25", at: T0.AddHours(1)), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Read((s, ct) => s.Fills.GetLatestFillTimeAsync(Binance, BtcUsdt, ct)), Is.EqualTo(T0.AddHours(2)));
            Assert.That((await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct)))!.LastFilledAt, Is.EqualTo(T0.AddHours(2)));
            Assert.That(await Read((s, ct) => s.Fills.GetLatestFillTimeAsync(Binance, EthUsdt, ct)), Is.Null);
            Assert.That(await Read((s, ct) => s.Fills.GetLatestFillTimeAsync(new ExchangeName("PAPER"), BtcUsdt, ct)), Is.Null);
        }
    }
}
