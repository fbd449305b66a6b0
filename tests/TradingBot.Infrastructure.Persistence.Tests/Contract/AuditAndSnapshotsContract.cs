using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>The audit log and the reconciled state snapshots: round trips, newest first, stored once by id.</summary>
public abstract class AuditAndSnapshotsContract : PortContract
{
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
    public async Task Audit_events_come_newest_first_by_their_time_not_by_when_they_were_appended()
    {
        var later = AuditEvent.Create(AuditEventType.Decision, T0.AddSeconds(1), ("step", "later"));
        var earlier = AuditEvent.Create(AuditEventType.Decision, T0, ("step", "earlier"));
        await Ledger.ExecuteAsync(async (s, ct) => { await s.Audit.AppendAsync(later, ct); return 0; }, CancellationToken.None);
        await Ledger.ExecuteAsync(async (s, ct) => { await s.Audit.AppendAsync(earlier, ct); return 0; }, CancellationToken.None);

        var all = await Read((s, ct) => s.Audit.GetRecentAsync(null, 10, ct));
        var newest = await Read((s, ct) => s.Audit.GetRecentAsync(AuditEventType.Decision, 1, ct));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(all.Select(e => e.Id), Is.EqualTo(new[] { later.Id, earlier.Id }));
            Assert.That(newest.Select(e => e.Id), Is.EqualTo(new[] { later.Id }));
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
            Assert.That(await CountAsync(Records.AuditEvents), Is.EqualTo(1));
            Assert.That(await CountAsync(Records.FundingSnapshots), Is.EqualTo(1));
            Assert.That(await CountAsync(Records.StateSnapshots), Is.EqualTo(1));
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
}
