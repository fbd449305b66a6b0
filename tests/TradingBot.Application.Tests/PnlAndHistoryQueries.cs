using TradingBot.Application.Ports;
using TradingBot.Application.Queries;
using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Tests;

/// <summary>
/// One round trip over two UTC days, all fees in USDT:
/// day 1 10:00 buy 1 @ 60000 (fee 6), day 1 20:00 sell 0.4 @ 61000 (fee 2.44),
/// day 2 08:00 funding paid 1.5, day 2 09:00 sell 0.6 @ 62500 (fee 3.75).
/// </summary>
public class PnlAndHistoryQueries : LedgerTestBase
{
    private static readonly DateTimeOffset Day1 = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day2 = Day1.AddDays(1);
    private static readonly DateTimeOffset Day3 = Day1.AddDays(2);

    [SetUp]
    public async Task RecordARoundTripOverTwoDays()
    {
        var buy = SeedOpen("open", "7001", Side.Buy, quantity: "1", createdAt: Day1.AddHours(10));
        var sell = SeedOpen("close", "7002", Side.Sell, quantity: "1", createdAt: Day1.AddHours(20));
        var recordFill = NewRecordFill();
        await recordFill.ExecuteAsync(FillOf(buy, "PAPER-F1", "60000", "1", Day1.AddHours(10), usdtFee: "6"), CancellationToken.None);
        await recordFill.ExecuteAsync(FillOf(sell, "PAPER-F2", "61000", "0.4", Day1.AddHours(20), usdtFee: "2.44"), CancellationToken.None);
        await NewRecordFundingPayment().ExecuteAsync(
            new FundingPayment("PAPER-FP1", Paper, BtcUsdt, Money.Parse("-1.5", Usdt), Day2.AddHours(8)), CancellationToken.None);
        await recordFill.ExecuteAsync(FillOf(sell, "PAPER-F3", "62500", "0.6", Day2.AddHours(9), usdtFee: "3.75"), CancellationToken.None);
    }

    private static DailyPnl Day(DateTimeOffset day, string trading, string fees, string funding) =>
        new(DateOnly.FromDateTime(day.UtcDateTime), BtcUsdt, Amount.Parse(trading), Amount.Parse(fees), Amount.Parse(funding));

    [Test]
    public async Task Pnl_by_day_gives_each_days_trading_pnl_fees_and_funding()
    {
        var days = await NewQueries().PnlByDayAsync(Paper, DailyPnl.DayOf(Day1), DailyPnl.DayOf(Day3), CancellationToken.None);

        // Day 1: 0.4 × (61000 − 60000) = 400; fees 6 + 2.44. Day 2: 0.6 × (62500 − 60000) = 1500; fee 3.75; funding −1.5.
        Assert.That(days, Is.EqualTo(new[]
        {
            Day(Day1, trading: "400", fees: "8.44", funding: "0"),
            Day(Day2, trading: "1500", fees: "3.75", funding: "-1.5"),
        }));
    }

    [Test]
    public async Task A_days_net_is_trading_pnl_plus_funding_minus_fees()
    {
        var days = await NewQueries().PnlByDayAsync(Paper, DailyPnl.DayOf(Day1), DailyPnl.DayOf(Day3), CancellationToken.None);

        Assert.That(days.Select(d => d.Net), Is.EqualTo(new[] { Amount.Parse("391.56"), Amount.Parse("1494.75") }));
    }

    [Test]
    public async Task A_window_after_the_entry_still_realizes_against_the_earlier_entry_price()
    {
        var days = await NewQueries().PnlByDayAsync(Paper, DailyPnl.DayOf(Day2), DailyPnl.DayOf(Day3), CancellationToken.None);

        Assert.That(days, Is.EqualTo(new[] { Day(Day2, trading: "1500", fees: "3.75", funding: "-1.5") }));
    }

    [Test]
    public async Task A_day_with_only_funding_is_listed_with_no_trading_pnl_or_fees()
    {
        await NewRecordFundingPayment().ExecuteAsync(
            new FundingPayment("PAPER-FP2", Paper, BtcUsdt, Money.Parse("0.75", Usdt), Day3.AddHours(8)), CancellationToken.None);

        var days = await NewQueries().PnlByDayAsync(Paper, DailyPnl.DayOf(Day3), DailyPnl.DayOf(Day3.AddDays(1)), CancellationToken.None);

        Assert.That(days, Is.EqualTo(new[] { Day(Day3, trading: "0", fees: "0", funding: "0.75") }));
    }

    [Test]
    public async Task Another_exchanges_window_has_no_pnl()
    {
        var days = await NewQueries().PnlByDayAsync(new ExchangeName("BINANCE"), DailyPnl.DayOf(Day1), DailyPnl.DayOf(Day3), CancellationToken.None);

        Assert.That(days, Is.Empty);
    }

    [Test]
    public async Task Position_history_gives_one_point_per_fill_in_recorded_order()
    {
        var points = await NewQueries().PositionHistoryAsync(Paper, BtcUsdt, CancellationToken.None);

        Assert.That(points, Is.EqualTo(new[]
        {
            new PositionPoint(Day1.AddHours(10), 1, Amount.Parse("1"), Price.Parse("60000"), Amount.Parse("0")),
            new PositionPoint(Day1.AddHours(20), 2, Amount.Parse("0.6"), Price.Parse("60000"), Amount.Parse("400")),
            new PositionPoint(Day2.AddHours(9), 3, Amount.Parse("0"), null, Amount.Parse("1900")),
        }));
    }

    [Test]
    public async Task Funding_history_returns_the_observations_in_the_window_newest_first()
    {
        var recordSnapshot = NewRecordFundingSnapshot();
        var before = new FundingSnapshot(Paper, BtcUsdt, FundingRate.Parse("0.0001"), Price.Parse("60000"), Price.Parse("60001"), Day1.AddHours(-1));
        var early = new FundingSnapshot(Paper, BtcUsdt, FundingRate.Parse("0.0002"), Price.Parse("60100"), Price.Parse("60101"), Day1.AddHours(1));
        var late = new FundingSnapshot(Paper, BtcUsdt, FundingRate.Parse("0.0003"), Price.Parse("60200"), Price.Parse("60201"), Day1.AddHours(23));
        foreach (var snapshot in new[] { before, early, late })
        {
            await recordSnapshot.ExecuteAsync(snapshot, CancellationToken.None);
        }

        var history = await NewQueries().FundingHistoryAsync(Paper, BtcUsdt, Day1, Day2, CancellationToken.None);

        Assert.That(history, Is.EqualTo(new[] { late, early }));
    }
}
