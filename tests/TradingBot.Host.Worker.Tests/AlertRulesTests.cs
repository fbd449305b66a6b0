using Microsoft.Extensions.Time.Testing;
using TradingBot.Domain.Instruments;
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
