using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
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
}
