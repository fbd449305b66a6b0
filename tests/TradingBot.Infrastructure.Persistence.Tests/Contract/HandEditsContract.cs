using TradingBot.Application.Orders;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>Rows changed by hand at the database, behind the ledger's back: the next write decides on what is stored, and verify finds it.</summary>
public abstract class HandEditsContract : DatabaseContract
{
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

    private static readonly string[] TwoPositionsFillsChangedByHand =
    [
        "fill r-f2 (BINANCE/BTCUSDT) records a realized PnL of 0, its replay realizes 10",
        "fill e-f1 (BINANCE/ETHUSDT) records a realized PnL of 0.00000005, its replay realizes 0",
    ];

    private TradingBot.Application.Verification.VerifyLedger NewVerify(int heldFillsLimit = 50_000) =>
        new(Ledger, Db.Integrity, new TestClock(T0.AddMinutes(2)), OrderTiming.Default) { HeldFillsLimit = heldFillsLimit };

    // Verify reads orders in creation order with their fills; a position's fills must still be replayed in its sequence.
    // A SELL limit resting from before the BUY fills after it: read in creation order the sell would open a short and the
    // buy close it, realizing -10 where the ledger realized +10.
    private async Task RestingSellFilledAfterALaterBuyAsync()
    {
        var sell = await CreateOpenAsync(PendingOrder("rest", Side.Sell, quantity: "1"), "r-1");
        var millisecond = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(); // a version-7 id orders by its millisecond only
        SpinWait.SpinUntil(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > millisecond);
        var buy = await CreateOpenAsync(PendingOrder("buy", Side.Buy, quantity: "1"), "r-2");
        Assert.That(sell.Id.Value.ToString(), Is.LessThan(buy.Id.Value.ToString()), "ids are time-ordered: the resting sell comes first");
        await NewRecordFill().ExecuteAsync(FillOf(buy, "r-f1", "100", "1", at: T0), CancellationToken.None);
        await NewRecordFill().ExecuteAsync(FillOf(sell, "r-f2", "110", "1", at: T0.AddHours(1)), CancellationToken.None);
    }

    [TestCase(50_000, TestName = "{m}(held in memory)")]
    [TestCase(0, TestName = "{m}(re-read sorted by the database)")]
    public async Task Verify_replays_a_resting_order_filled_after_a_later_one_in_its_positions_sequence(int heldFillsLimit)
    {
        await RestingSellFilledAfterALaterBuyAsync();

        var report = await NewVerify(heldFillsLimit).ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), CancellationToken.None);

        Assert.That(report.Violations, Is.Empty);
        Assert.That((report.OrdersChecked, report.FillsChecked, report.PositionsChecked), Is.EqualTo((2, 2, 1)));
    }

    [Test]
    public async Task Verify_reports_the_same_violations_in_the_same_order_whether_it_holds_early_fills_or_re_reads_them_sorted()
    {
        // BTC's second fill and ETH's first, both changed by hand: read sorted, ETH's (#1) comes before BTC's (#2); read
        // by order, BTC's orders come first.
        await RestingSellFilledAfterALaterBuyAsync();
        var eth = await CreateOpenAsync(PendingOrder("eth", Side.Buy, quantity: "1", symbol: EthUsdt), "e-1");
        await NewRecordFill().ExecuteAsync(FillOf(eth, "e-f1", "50", "1", at: T0.AddHours(2)), CancellationToken.None);
        Assert.That(await Db.ExecuteAsync("UPDATE fills SET realized_pnl_quote = 0 WHERE exchange_fill_id = 'r-f2'"), Is.EqualTo(1));
        Assert.That(await Db.ExecuteAsync("UPDATE fills SET realized_pnl_quote = 5 WHERE exchange_fill_id = 'e-f1'"), Is.EqualTo(1));

        var held = await NewVerify().ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), CancellationToken.None);
        var sorted = await NewVerify(heldFillsLimit: 0).ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), CancellationToken.None);

        Assert.That(held.Violations, Is.EqualTo(TwoPositionsFillsChangedByHand));
        Assert.That(sorted.Violations, Is.EqualTo(held.Violations));
    }

    [TestCase(1, "r-f2", 1, 2, TestName = "{m}(twice)")]
    [TestCase(3, "r-f2", 3, 2, TestName = "{m}(with a gap)")]
    public async Task Verify_reports_a_position_whose_fills_are_numbered_twice_or_with_a_gap(int sequence, string fill, int has, int next)
    {
        await RestingSellFilledAfterALaterBuyAsync();
        Assert.That(await Db.ExecuteAsync($"UPDATE fills SET position_sequence = {sequence} WHERE exchange_fill_id = '{fill}'"), Is.EqualTo(1));

        var held = await NewVerify().ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), CancellationToken.None);
        var sorted = await NewVerify(heldFillsLimit: 0).ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), CancellationToken.None);

        Assert.That(held.Violations, Is.EqualTo(new[]
        {
            $"BINANCE/BTCUSDT's fills are not numbered 1, 2, 3, ... in the order they were applied: fill {fill} has sequence {has} where {next} comes next, so its replay order is not the order the position was built in",
        }));
        Assert.That(sorted.Violations, Is.EqualTo(held.Violations));
    }

    private async Task<IReadOnlyList<string>> ViolationsAsync() =>
        (await NewVerify().ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), CancellationToken.None)).Violations;

    // A round trip on BTC over two days and a funding payment: what each fill realized and each day sums to is known.
    private async Task RoundTripAsync()
    {
        var buy = await CreateOpenAsync(PendingOrder("buy", Side.Buy, quantity: "1"), "h-1");
        var sell = await CreateOpenAsync(PendingOrder("sell", Side.Sell, quantity: "1"), "h-2");
        await NewRecordFill().ExecuteAsync(FillOf(buy, "h-f1", "100", "1", at: T0), CancellationToken.None);
        await NewRecordFill().ExecuteAsync(FillOf(sell, "h-f2", "110", "0.5", at: T0.AddHours(1)), CancellationToken.None);
        await NewRecordFill().ExecuteAsync(FillOf(sell, "h-f3", "90", "0.5", at: T0.AddDays(1)), CancellationToken.None);
        await new TradingBot.Application.Funding.RecordFundingPayment(Ledger, new TestClock(T0)).ExecuteAsync(
            new TradingBot.Domain.Funding.FundingPayment("h-p1", Binance, BtcUsdt, new Money(Usdt, Amount.Parse("0.25")), T0.AddDays(1)), CancellationToken.None);
    }

    [Test]
    public async Task Verify_finds_a_days_pnl_or_a_fills_realized_pnl_changed_by_hand()
    {
        await RoundTripAsync();
        Assert.That(await ViolationsAsync(), Is.Empty);

        Assert.That(await Db.ExecuteAsync("UPDATE pnl_days SET trading_pnl_quote = trading_pnl_quote + 100000000 WHERE trading_pnl_quote > 0"), Is.EqualTo(1));
        Assert.That(await Db.ExecuteAsync("UPDATE fills SET realized_pnl_quote = 0 WHERE exchange_fill_id = 'h-f3'"), Is.EqualTo(1));
        var violations = await ViolationsAsync();

        var day = DailyPnlDay(T0);
        Assert.That(violations, Is.EquivalentTo(new[]
        {
            $"PnL of BINANCE/BTCUSDT on {day} is stored as trading 6, fees 0.02, funding 0; its fills and payments add up to trading 5, fees 0.02, funding 0",
            "fill h-f3 (BINANCE/BTCUSDT) records a realized PnL of 0, its replay realizes -5",
        }));
    }

    [Test]
    public async Task Verify_finds_a_day_missing_from_the_totals()
    {
        await RoundTripAsync();
        Assert.That(await Db.ExecuteAsync("DELETE FROM pnl_days WHERE funding_quote <> 0"), Is.EqualTo(1));

        Assert.That(await ViolationsAsync(), Is.EqualTo(new[]
        {
            $"PnL of BINANCE/BTCUSDT on {DailyPnlDay(T0.AddDays(1))} is not stored; its fills and payments add up to trading -5, fees 0.01, funding 0.25",
        }));
    }

    [Test]
    public async Task Fills_from_before_the_ledger_kept_realized_pnl_are_filled_in_once_and_their_days_rebuilt()
    {
        await RoundTripAsync();
        var queries = new TradingBot.Application.Queries.LedgerQueries(Ledger);
        var before = await queries.PnlByDayAsync(Binance, DateOnly.MinValue, DateOnly.MaxValue, CancellationToken.None);
        var realizedBefore = await Read((s, ct) => s.Fills.GetByPositionAsync(Binance, BtcUsdt, ct));
        var positionBefore = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));

        // What the DailyPnl and PositionLastFill migrations leave of a ledger written before them: fills without the
        // column's value, no totals, positions without their last fill time (the latest is then read from the fills).
        Assert.That(await Db.ExecuteAsync("UPDATE fills SET realized_pnl_quote = NULL"), Is.EqualTo(3));
        Assert.That(await Db.ExecuteAsync("DELETE FROM pnl_days"), Is.EqualTo(2));
        Assert.That(await Db.ExecuteAsync("UPDATE positions SET last_filled_at = NULL"), Is.EqualTo(1));
        Assert.That(await Read((s, ct) => s.Fills.GetLatestFillTimeAsync(Binance, BtcUsdt, ct)), Is.EqualTo(T0.AddDays(1)));
        var migrator = new LedgerMigrator(Db.Contexts);
        Assert.That(await migrator.FillsWithoutRealizedPnlAsync(CancellationToken.None), Is.EqualTo(3));
        Assert.That(await ViolationsAsync(), Has.Some.StartsWith("BINANCE/BTCUSDT has 3 fill(s) with no stored realized PnL"));

        var first = await migrator.FillInRealizedPnlAsync(CancellationToken.None);
        var second = await migrator.FillInRealizedPnlAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.EqualTo(new RealizedPnlFillIn(1, 3)));
            Assert.That(second, Is.EqualTo(new RealizedPnlFillIn(0, 0)), "nothing is left to fill in");
            Assert.That(await migrator.FillsWithoutRealizedPnlAsync(CancellationToken.None), Is.Zero);
            Assert.That(await queries.PnlByDayAsync(Binance, DateOnly.MinValue, DateOnly.MaxValue, CancellationToken.None), Is.EqualTo(before));
            Assert.That(await Read((s, ct) => s.Fills.GetByPositionAsync(Binance, BtcUsdt, ct)), Is.EqualTo(realizedBefore));
            Assert.That((await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct)))!.LastFilledAt, Is.EqualTo(positionBefore!.LastFilledAt).And.EqualTo(T0.AddDays(1)));
            Assert.That(await ViolationsAsync(), Is.Empty);
        }
    }

    [Test]
    public async Task Funding_recorded_before_the_totals_existed_on_a_position_without_fills_gets_its_days()
    {
        await new TradingBot.Application.Funding.RecordFundingPayment(Ledger, new TestClock(T0)).ExecuteAsync(
            new TradingBot.Domain.Funding.FundingPayment("h-p9", Binance, EthUsdt, new Money(Usdt, Amount.Parse("-0.5")), T0), CancellationToken.None);
        var queries = new TradingBot.Application.Queries.LedgerQueries(Ledger);
        var before = await queries.PnlByDayAsync(Binance, DateOnly.MinValue, DateOnly.MaxValue, CancellationToken.None);
        Assert.That(await Db.ExecuteAsync("DELETE FROM pnl_days"), Is.EqualTo(1));
        Assert.That(await ViolationsAsync(), Has.Some.StartsWith("PnL of BINANCE/ETHUSDT on "));

        var migrator = new LedgerMigrator(Db.Contexts);
        var first = await migrator.FillInRealizedPnlAsync(CancellationToken.None);
        var second = await migrator.FillInRealizedPnlAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.EqualTo(new RealizedPnlFillIn(1, 0)), "one position rebuilt, no fill to give a value");
            Assert.That(second, Is.EqualTo(new RealizedPnlFillIn(0, 0)));
            Assert.That(await queries.PnlByDayAsync(Binance, DateOnly.MinValue, DateOnly.MaxValue, CancellationToken.None), Is.EqualTo(before).And.Count.EqualTo(1));
            Assert.That(await ViolationsAsync(), Is.Empty);
        }
    }

    private static string DailyPnlDay(DateTimeOffset time) => TradingBot.Application.Ports.DailyPnl.DayOf(time).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
