using Microsoft.Extensions.Time.Testing;
using TradingBot.Domain.Instruments;
using TradingBot.Application.Reconciliation;
using TradingBot.Domain.Reconciliation;
using TradingBot.Host.Worker.Operations;

namespace TradingBot.Host.Worker.Tests;

/// <summary>When the operator is told: once per condition per interval, a recovery only after its beginning was told.</summary>
[TestFixture]
public sealed class AlertRulesTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);
    private readonly List<Alert> _sent = [];
    private FakeTimeProvider _time = null!;
    private AlertRules _rules = null!;

    [SetUp]
    public void Create()
    {
        _sent.Clear();
        _time = new FakeTimeProvider(Start);
        _rules = new AlertRules(_time, TimeSpan.FromMinutes(5), Interval, "vps:42", _sent.Add);
    }

    private static SymbolHalt Halt(string symbol) =>
        new(new ExchangeName("PAPER"), new Symbol(symbol), HaltReason.PositionDiffers, "ledger 0, exchange -0.01", DateTimeOffset.UnixEpoch);

    [Test]
    public void A_symbol_that_halts_and_lifts_every_minute_is_one_message_and_its_recovery_per_interval()
    {
        for (var minute = 0; minute < 90; minute++)
        {
            _rules.Halted(Halt("BTCUSDT"));
            _time.Advance(TimeSpan.FromSeconds(30));
            _rules.Released(Halt("BTCUSDT"));
            _time.Advance(TimeSpan.FromSeconds(30));
        }

        var halfMinute = TimeSpan.FromSeconds(30);
        Assert.That(_sent.Select(a => (a.Condition, a.Recovered, a.At - Start)), Is.EqualTo(new[]
        {
            ("halt:BTCUSDT", false, TimeSpan.Zero), ("halt:BTCUSDT", true, halfMinute),
            ("halt:BTCUSDT", false, Interval), ("halt:BTCUSDT", true, Interval + halfMinute),
        }));
    }

    [Test]
    public void Each_symbol_is_a_condition_of_its_own()
    {
        _rules.Halted(Halt("BTCUSDT"));
        _rules.Halted(Halt("ETHUSDT"));
        _rules.Halted(Halt("BTCUSDT"));

        Assert.That(_sent.Select(a => a.Condition), Is.EqualTo((string[])["halt:BTCUSDT", "halt:ETHUSDT"]));
        Assert.That(_sent[0].Text, Does.Contain("BTCUSDT halted (POSITION_DIFFERS): ledger 0, exchange -0.01").And.Contain("vps:42"));
    }

    [Test]
    public void Trading_paused_is_told_once_past_the_threshold_and_its_resumption_after()
    {
        _rules.Resumed();
        _rules.Paused(TimeSpan.FromMinutes(1), "the ledger is unreachable");
        _rules.Paused(TimeSpan.FromMinutes(4), "the ledger is unreachable");
        var beforeThreshold = _sent.Count;
        _rules.Paused(TimeSpan.FromMinutes(5), "the ledger is unreachable");
        _rules.Paused(TimeSpan.FromMinutes(6), "the ledger is unreachable");
        _rules.Resumed();
        _rules.Resumed();

        Assert.That(beforeThreshold, Is.Zero, "a resumption that followed no announced pause, and a short pause, are not told");
        Assert.That(_sent.Select(a => (a.Condition, a.Recovered)), Is.EqualTo(new[] { ("paused", false), ("paused", true) }));
        Assert.That(_sent[0].Text, Does.Contain("trading paused for 00:05:00 by failures; the latest: the ledger is unreachable"));
    }

    [Test]
    public void A_lost_lease_is_told_and_its_return()
    {
        _rules.LeaseHeld();
        _rules.LeaseLost();
        _rules.LeaseLost();
        _rules.LeaseHeld();

        Assert.That(_sent.Select(a => (a.Condition, a.Recovered)), Is.EqualTo(new[] { ("lease", false), ("lease", true) }));
    }
}

/// <summary>What the loop reports, as liveness and the alerts read it.</summary>
[TestFixture]
public sealed class WorkerStateTests
{
    private readonly List<Alert> _sent = [];
    private FakeTimeProvider _time = null!;
    private WorkerState _state = null!;

    [SetUp]
    public void Create()
    {
        _sent.Clear();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero));
        _state = new WorkerState(_time, new AlertRules(_time, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), "vps:42", _sent.Add));
    }

    [Test]
    public void A_failing_loop_still_goes_round_so_liveness_holds_through_an_outage()
    {
        _state.LeaseHeld();
        _state.CycleFailed("the ledger is unreachable");
        _time.Advance(TimeSpan.FromHours(3));
        _state.CycleFailed("the ledger is unreachable");

        Assert.That(_state.LastLoopAt, Is.EqualTo(_time.GetUtcNow()), "three hours of failing cycles: the loop is not hung");
        Assert.That(_sent.Select(a => (a.Condition, a.Recovered)), Is.EqualTo(new[] { ("paused", false) }), "a pause past the threshold is told");
    }

    [Test]
    public void A_standby_failing_pauses_nothing_and_a_pause_ends_when_the_worker_becomes_standby()
    {
        _state.StandbyChecked();
        _state.CycleFailed("the ledger is unreachable");
        _time.Advance(TimeSpan.FromHours(1));
        _state.CycleFailed("the ledger is unreachable");
        var whileStandby = _sent.Count;

        _state.LeaseHeld();
        _state.CycleFailed("the exchange is unreachable");
        _time.Advance(TimeSpan.FromMinutes(6));
        _state.CycleFailed("the exchange is unreachable");
        _state.StandbyChecked();
        _time.Advance(TimeSpan.FromDays(2));
        _state.LeaseHeld();
        _state.CycleFailed("the exchange is unreachable");

        Assert.That(whileStandby, Is.Zero, "a standby trades nothing, so nothing is paused");
        Assert.That(
            _sent.Select(a => (a.Condition, a.Recovered)),
            Is.EqualTo(new[] { ("paused", false), ("paused", true), ("lease", false), ("lease", true) }),
            "the pause ends with the lease, and a failure days later is a fresh pause (not told before its threshold)");
    }

    [Test]
    public void A_symbol_that_halts_again_within_the_interval_and_stays_halted_is_told_once_the_interval_has_passed()
    {
        var halt = new SymbolHalt(new ExchangeName("PAPER"), new Symbol("BTCUSDT"), HaltReason.PositionDiffers, "ledger 0, exchange -0.01", DateTimeOffset.UnixEpoch);
        _state.HaltsChanged([new HaltChange(halt, true)]);
        _state.HaltsChanged([new HaltChange(halt, false)]);
        _time.Advance(TimeSpan.FromMinutes(10));
        _state.HaltsChanged([new HaltChange(halt, true)]);
        _time.Advance(TimeSpan.FromMinutes(49));
        _state.CycleCompleted();
        var beforeTheInterval = _sent.Count;
        _time.Advance(TimeSpan.FromMinutes(1));
        _state.CycleCompleted();

        Assert.That(beforeTheInterval, Is.EqualTo(2));
        Assert.That(_sent.Select(a => (a.Condition, a.Recovered)), Is.EqualTo(new[] { ("halt:BTCUSDT", false), ("halt:BTCUSDT", true), ("halt:BTCUSDT", false) }));
    }
}
