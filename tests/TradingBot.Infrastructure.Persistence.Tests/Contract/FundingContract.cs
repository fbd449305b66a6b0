using TradingBot.Application.Funding;
using TradingBot.Application.Ports;
using TradingBot.Application.Queries;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>Funding snapshots (the rate history) and funding payments (recorded once, counted in the position).</summary>
public abstract class FundingContract : PortContract
{
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
    public async Task The_recent_funding_window_ends_with_the_latest_snapshot_itself()
    {
        // Times off the whole second, as the worker's clock gives them: the window's end must survive the column's precision.
        var latest = T0.AddHours(24).AddTicks(1_234_567);
        foreach (var at in new[] { latest.AddHours(-25), latest.AddHours(-23), latest.AddMinutes(-1), latest })
        {
            await Ledger.ExecuteAsync(async (s, ct) => { await s.FundingSnapshots.AppendAsync(new FundingSnapshot(Binance, BtcUsdt, FundingRate.Parse("0.0001"), Price.Parse("64000"), Price.Parse("64000"), at), ct); return 0; }, CancellationToken.None);
        }

        var recent = await new TradingBot.Application.Queries.LedgerQueries(Ledger).RecentFundingAsync(Binance, BtcUsdt, TimeSpan.FromHours(24), CancellationToken.None);

        Assert.That(recent.Select(s => s.SnapshotAt), Is.EqualTo(new[] { latest, latest.AddMinutes(-1), latest.AddHours(-23) }.Select(TradingBot.Domain.Time.LedgerTime.Normalize)));
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
            Assert.That(await CountAsync(Records.FundingPayments), Is.EqualTo(1));
            Assert.That((await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct)))!.FundingReceived, Is.EqualTo(Amount.Parse("1.2345")));
            Assert.That(await Read((s, ct) => s.FundingPayments.GetLatestPaidAtAsync(Binance, ct)), Is.EqualTo(T0));
        }
    }

    private static DailyPnl Day(DateTimeOffset day, Symbol symbol, string trading, string fees, string funding) =>
        new(DailyPnl.DayOf(day), symbol, Amount.Parse(trading), Amount.Parse(fees), Amount.Parse(funding));

    private Task<IReadOnlyList<DailyPnl>> AllDaysAsync(ExchangeName exchange) =>
        new LedgerQueries(Ledger).PnlByDayAsync(exchange, DateOnly.MinValue, DateOnly.MaxValue, CancellationToken.None);

    [Test]
    public async Task Each_fill_and_payment_adds_to_its_utc_day_and_a_repeat_adds_nothing()
    {
        var day1 = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
        var buy = await CreateOpenAsync(PendingOrder("buy", Side.Buy, quantity: "1"), "d-1");
        var sell = await CreateOpenAsync(PendingOrder("sell", Side.Sell, quantity: "1"), "d-2");
        var eth = await CreateOpenAsync(PendingOrder("eth", Side.Buy, quantity: "2", symbol: EthUsdt), "d-3");
        var record = NewRecordFill();
        var payments = new RecordFundingPayment(Ledger, new TestClock(T0));

        // The last moment of day 1 and, at +02:00, a time that is still day 1 in UTC.
        await record.ExecuteAsync(FillOf(buy, "d-f1", "100", "1", fee: "0.1", at: day1.AddHours(10)), CancellationToken.None);
        await record.ExecuteAsync(FillOf(sell, "d-f2", "110", "0.4", fee: "0.05", at: day1.AddDays(1).AddTicks(-10)), CancellationToken.None);
        await record.ExecuteAsync(FillOf(eth, "d-f3", "50", "2", fee: "0.3", feeAsset: "BNB", at: new DateTimeOffset(2026, 11, 21, 1, 0, 0, TimeSpan.FromHours(2))), CancellationToken.None);
        await payments.ExecuteAsync(new FundingPayment("d-p1", Binance, BtcUsdt, new Money(Usdt, Amount.Parse("-1.5")), day1.AddDays(1).AddHours(8)), CancellationToken.None);
        await payments.ExecuteAsync(new FundingPayment("d-p2", Binance, BtcUsdt, new Money(new Asset("BNB"), Amount.Parse("9")), day1.AddDays(1).AddHours(8)), CancellationToken.None);
        await record.ExecuteAsync(FillOf(sell, "d-f4", "120", "0.6", fee: "-0.07", at: day1.AddDays(1).AddHours(9)), CancellationToken.None);

        // Delivered again: the fill and the payment are known, nothing is added.
        await record.ExecuteAsync(FillOf(sell, "d-f4", "120", "0.6", fee: "-0.07", at: day1.AddDays(1).AddHours(9)), CancellationToken.None);
        await payments.ExecuteAsync(new FundingPayment("d-p1", Binance, BtcUsdt, new Money(Usdt, Amount.Parse("-1.5")), day1.AddDays(1).AddHours(8)), CancellationToken.None);

        // Day 1: 0.4 x (110 - 100) = 4, fees 0.15; ETH opened with a BNB fee (not the quote asset), no PnL. Day 2: 0.6 x 20 = 12,
        // a rebate of 0.07, funding -1.5 (the BNB payment is not in the quote asset).
        Assert.That(await AllDaysAsync(Binance), Is.EqualTo(new[]
        {
            Day(day1, BtcUsdt, "4", "0.15", "0"),
            Day(day1, EthUsdt, "0", "0", "0"),
            Day(day1.AddDays(1), BtcUsdt, "12", "-0.07", "-1.5"),
        }));
        Assert.That(await AllDaysAsync(new ExchangeName("PAPER")), Is.Empty);
        Assert.That(
            await new LedgerQueries(Ledger).PnlByDayAsync(Binance, DailyPnl.DayOf(day1.AddDays(1)), DailyPnl.DayOf(day1.AddDays(2)), CancellationToken.None),
            Is.EqualTo(new[] { Day(day1.AddDays(1), BtcUsdt, "12", "-0.07", "-1.5") }),
            "a window of days realizes against the entry price of the whole history");
    }

    [Test]
    public async Task Fills_of_one_day_recorded_at_once_by_many_units_each_add_once()
    {
        var open = await CreateOpenAsync(PendingOrder("open", Side.Buy, quantity: "8"), "r-0");
        await NewRecordFill().ExecuteAsync(FillOf(open, "r-open", "100", "8", fee: "0"), CancellationToken.None);
        var closes = new List<Order>();
        for (var i = 0; i < 8; i++)
        {
            closes.Add(await CreateOpenAsync(PendingOrder($"close-{i}", Side.Sell, quantity: "1"), $"r-{i + 1}"));
        }

        // Each unit reads the position, computes its PnL and adds it to the same day's row: a unit run again after losing
        // the race to the position must not add twice.
        await Task.WhenAll(closes.Select((o, i) => Task.Run(() => NewRecordFill().ExecuteAsync(FillOf(o, $"r-f{i}", (101 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), "1", fee: "0.01"), CancellationToken.None))));

        // Against the entry of 100: 1 + 2 + ... + 8 = 36.
        Assert.That(await AllDaysAsync(Binance), Is.EqualTo(new[] { Day(T0, BtcUsdt, "36", "0.08", "0") }));
    }
}
