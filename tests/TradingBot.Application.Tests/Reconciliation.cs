using Moq;
using TradingBot.Application.Ports;
using TradingBot.Application.Reconciliation;
using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;
using TradingBot.TestLedger;

namespace TradingBot.Application.Tests;

public class Reconciliation : LedgerTestBase
{
    private static readonly BalanceView UsdtBalance = new(new Asset("USDT"), Amount.Parse("10000"), Amount.Parse("9000"));

    private Order _resting = null!;

    /// <summary>The ledger holds a 0.5 BTCUSDT long (one filled buy) and one OPEN limit order.</summary>
    [SetUp]
    public async Task RecordALongAndARestingOrder()
    {
        var filled = SeedOpen("open", "7001", quantity: "0.5");
        await NewRecordFill().ExecuteAsync(FillOf(filled, "PAPER-F1", "64000", "0.5", Start.AddMinutes(-30)), CancellationToken.None);
        _resting = SeedOpen("add", "7002", quantity: "1");
    }

    private void ExchangeHolds(string position, params ExchangeOrderState[] openOrders)
    {
        Exchange.Setup(e => e.GetBalancesAsync(It.IsAny<CancellationToken>())).ReturnsAsync([UsdtBalance]);
        Exchange
            .Setup(e => e.GetPositionsAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync([new PositionView(BtcUsdt, Amount.Parse(position), Price.Parse("64000"))]);
        Exchange.Setup(e => e.GetOpenOrdersAsync(null, It.IsAny<CancellationToken>())).ReturnsAsync(openOrders);
    }

    private ExchangeOrderState RestingAtExchange() => AtExchange(_resting.IdempotencyKey.Value, "7002", OrderStatus.Open, quantity: "1");

    private Task<ReconciliationReport> Reconcile() => NewReconcile().ExecuteAsync(new ReconciliationScope([BtcUsdt], TradingBot.Application.Trading.PositionIntent.Any), CancellationToken.None);

    [Test]
    public async Task When_exchange_and_ledger_agree_there_are_no_differences()
    {
        ExchangeHolds("0.5", RestingAtExchange());

        var report = await Reconcile();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Differences, Is.Empty);
            Assert.That(report.InAgreement, Is.True);
            Assert.That(AuditOf(AuditEventType.Reconciliation).Single().Data["differences"], Is.EqualTo("0"));
        }
    }

    [Test]
    public async Task A_reconciliation_whose_commit_answer_was_lost_stores_one_snapshot_and_one_event()
    {
        ExchangeHolds("0.7", RestingAtExchange());
        Ledger.LoseEveryCommitAnswer = true;

        var report = await Reconcile();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Differences, Has.Count.EqualTo(1));
            Assert.That(Ledger.StateSnapshots.Select(s => s.Id), Is.EqualTo(new[] { report.Snapshot.Id }));
            Assert.That(AuditOf(AuditEventType.Reconciliation).Single().Data["state_snapshot_id"], Is.EqualTo(report.Snapshot.Id.ToString()));
        }
    }

    [Test]
    public async Task An_unchanged_reconciliation_is_stored_once_per_interval_and_a_change_at_once()
    {
        ExchangeHolds("0.5", RestingAtExchange());
        var reconcile = NewReconcile(); // the worker keeps one for its lifetime
        var scope = new ReconciliationScope([BtcUsdt], TradingBot.Application.Trading.PositionIntent.Any) { StoreUnchangedEvery = TimeSpan.FromMinutes(15) };
        var stored = new List<bool>();
        async Task ReconcileAt(TimeSpan sinceStart)
        {
            Clock.Set(Start + sinceStart);
            stored.Add((await reconcile.ExecuteAsync(scope, CancellationToken.None)).Stored);
        }

        await ReconcileAt(TimeSpan.Zero);                 // the first: stored
        await ReconcileAt(TimeSpan.FromSeconds(30));      // the same state: not stored
        Exchange.Setup(e => e.GetBalancesAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync([UsdtBalance with { Available = Amount.Parse("8990") }]);
        await ReconcileAt(TimeSpan.FromSeconds(60));      // only the available balance moved: not stored
        ExchangeHolds("0.7", RestingAtExchange());
        await ReconcileAt(TimeSpan.FromSeconds(90));      // a difference appears (and halts nothing under Any): stored
        await ReconcileAt(TimeSpan.FromSeconds(120));     // the same difference: not stored
        await ReconcileAt(TimeSpan.FromMinutes(16.5));    // unchanged, but 15 minutes since the last stored: stored

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored, Is.EqualTo<bool[]>([true, false, false, true, false, true]));
            Assert.That(Ledger.StateSnapshots.Select(s => s.ReconciledAt - Start), Is.EqualTo<TimeSpan[]>([TimeSpan.Zero, TimeSpan.FromSeconds(90), TimeSpan.FromMinutes(16.5)]));
            Assert.That(AuditOf(AuditEventType.Reconciliation).Select(e => e.Data["differences"]), Is.EqualTo<string[]>(["0", "1", "1"]));
        }
    }

    [Test]
    public async Task Without_an_interval_every_reconciliation_is_stored()
    {
        ExchangeHolds("0.5", RestingAtExchange());
        var reconcile = NewReconcile();
        var scope = new ReconciliationScope([BtcUsdt], TradingBot.Application.Trading.PositionIntent.Any);

        for (var i = 0; i < 3; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(30));
            await reconcile.ExecuteAsync(scope, CancellationToken.None);
        }

        Assert.That(Ledger.StateSnapshots, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task A_position_that_differs_from_the_exchange_is_listed()
    {
        ExchangeHolds("0.7", RestingAtExchange());

        var report = await Reconcile();

        Assert.That(report.Differences, Is.EqualTo<string[]>(["position BTCUSDT: exchange 0.7, ledger 0.5"]));
    }

    [Test]
    public async Task Differences_are_counted_and_the_halted_symbols_observed()
    {
        using var recorder = new MeterRecorder(Metrics.Meter);
        ExchangeHolds("0.5", RestingAtExchange());
        await Reconcile();
        var haltedWhileAgreeing = recorder.Observe("tradingbot.symbols.halted");
        ExchangeHolds("0.7", RestingAtExchange());

        var report = await Reconcile();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(haltedWhileAgreeing, Is.Zero);
            Assert.That(recorder.Sum("tradingbot.reconcile.differences"), Is.EqualTo(report.Differences.Count).And.EqualTo(1));
            Assert.That(recorder.Observe("tradingbot.symbols.halted"), Is.EqualTo(report.ActiveHalts.Count).And.EqualTo(1));
        }
    }

    [Test]
    public async Task A_position_the_ledger_has_but_the_exchange_does_not_is_listed()
    {
        Exchange.Setup(e => e.GetBalancesAsync(It.IsAny<CancellationToken>())).ReturnsAsync([UsdtBalance]);
        Exchange.Setup(e => e.GetPositionsAsync(It.IsAny<CancellationToken>())).ReturnsAsync([]);
        Exchange.Setup(e => e.GetOpenOrdersAsync(null, It.IsAny<CancellationToken>())).ReturnsAsync([RestingAtExchange()]);

        var report = await Reconcile();

        Assert.That(report.Differences, Is.EqualTo<string[]>(["position BTCUSDT: exchange 0, ledger 0.5"]));
    }

    [Test]
    public async Task An_order_open_at_the_exchange_that_the_ledger_did_not_place_is_reported_as_foreign_of_whatever_type()
    {
        var manual = AtExchange("web_3fa1c2d9", "7099", OrderStatus.Open, quantity: "0.2") with { NativeType = "STOP_MARKET" };
        ExchangeHolds("0.5", RestingAtExchange(), manual);

        var report = await Reconcile();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Differences, Is.Empty);
            Assert.That(report.ForeignOpenOrders.Select(o => (o.ClientOrderId, o.NativeType)), Is.EqualTo(new[] { ("web_3fa1c2d9", "STOP_MARKET") }));
            Assert.That(AuditOf(AuditEventType.Reconciliation).Single().Data["foreign_open_order_1"], Does.Contain("STOP_MARKET").And.Contain("web_3fa1c2d9"));
            Assert.That(report.Snapshot.OpenOrders.Single(o => o.ClientOrderId == "web_3fa1c2d9").NativeType, Is.EqualTo("STOP_MARKET"));
        }
    }

    [Test]
    public async Task A_ledger_open_order_missing_at_the_exchange_is_listed()
    {
        ExchangeHolds("0.5");

        var report = await Reconcile();

        Assert.That(report.Differences, Has.Count.EqualTo(1));
        Assert.That(report.Differences[0], Does.Contain(_resting.IdempotencyKey.Value).And.Contain("OPEN in the ledger but not open at the exchange"));
    }

    [Test]
    public async Task The_reconciliation_event_lists_each_difference_and_names_the_snapshot()
    {
        ExchangeHolds("0.7");

        var report = await Reconcile();

        var audit = AuditOf(AuditEventType.Reconciliation).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Differences, Has.Count.EqualTo(2));
            Assert.That(audit.Data["exchange"], Is.EqualTo("PAPER"));
            Assert.That(audit.Data["differences"], Is.EqualTo("2"));
            Assert.That(audit.Data["difference_1"], Is.EqualTo(report.Differences[0]));
            Assert.That(audit.Data["difference_2"], Is.EqualTo(report.Differences[1]));
            Assert.That(audit.Data["state_snapshot_id"], Is.EqualTo(report.Snapshot.Id.ToString()));
            Assert.That(audit.CreatedAt, Is.EqualTo(Start));
        }
    }

    [Test]
    public async Task The_state_snapshot_holds_what_the_exchange_reported()
    {
        ExchangeHolds("0.5", RestingAtExchange());

        var report = await Reconcile();

        var snapshot = Ledger.StateSnapshots.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(snapshot, Is.SameAs(report.Snapshot));
            Assert.That(snapshot.Exchange, Is.EqualTo(Paper));
            Assert.That(snapshot.ReconciledAt, Is.EqualTo(Start));
            Assert.That(snapshot.Balances, Is.EqualTo(new[] { UsdtBalance }));
            Assert.That(snapshot.Positions.Single().NetQuantity, Is.EqualTo(Amount.Parse("0.5")));
            Assert.That(snapshot.OpenOrders.Single().ClientOrderId, Is.EqualTo(_resting.IdempotencyKey.Value));
            Assert.That(snapshot.OpenOrders.Single().ExchangeOrderId, Is.EqualTo("7002"), "the exchange's own id, as it reported it");
        }
    }

    [TestCase("Audit.Append")]
    [TestCase("StateSnapshots.Add")]
    public async Task The_event_and_the_snapshot_are_one_transaction(string failingStep)
    {
        ExchangeHolds("0.7", RestingAtExchange());
        Ledger.FailAt = failingStep;

        await Assert.ThatAsync(Reconcile, Throws.InvalidOperationException);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ledger.StateSnapshots, Is.Empty);
            Assert.That(AuditOf(AuditEventType.Reconciliation), Is.Empty);
        }
    }
}
