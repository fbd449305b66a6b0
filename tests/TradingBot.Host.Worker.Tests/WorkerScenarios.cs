using Microsoft.Data.Sqlite;

namespace TradingBot.Host.Worker.Tests;

/// <summary>
/// The same end-to-end scenarios on SQLite and on Postgres, changing only configuration: the real worker
/// process on the paper exchange (fast clock), stopped with SIGTERM or killed with SIGKILL.
/// </summary>
public abstract class WorkerScenarios
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    protected string Folder { get; private set; } = null!;

    protected Dictionary<string, string> Environment { get; private set; } = null!;

    protected LedgerProbe Probe { get; private set; } = null!;

    protected abstract Task<(Dictionary<string, string> Ledger, LedgerProbe Probe)> CreateLedgerAsync(string folder);

    protected abstract Task DropLedgerAsync();

    [SetUp]
    public async Task CreateAsync()
    {
        Folder = Directory.CreateTempSubdirectory("tradingbot-worker-").FullName;
        var (ledger, probe) = await CreateLedgerAsync(Folder);
        Probe = probe;
        Environment = new Dictionary<string, string>(ledger)
        {
            ["Exchange__Paper__Speed"] = "3000",
            ["Exchange__Paper__Seed"] = "7",
            ["Worker__PollInterval"] = "00:00:00.300",
            ["Worker__ReconcileInterval"] = "00:00:03",
            ["Worker__MaxBackoff"] = "00:00:02",
            ["Strategy__EntryFundingRateBps"] = "2",
            ["Strategy__ExitFundingRateBps"] = "1",
        };
    }

    [TearDown]
    public async Task RemoveAsync()
    {
        await DropLedgerAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
    }

    protected Task<WorkerProcess.Result> VerbAsync(string verb) => WorkerProcess.RunAsync(Folder, Environment, TimeSpan.FromMinutes(2), verb);

    [Test]
    public async Task The_worker_trades_stops_cleanly_on_sigterm_and_verify_and_report_agree()
    {
        using var worker = RunningWorker.Start(Folder, Environment, "run");
        await Probe.WaitForFillsAsync(4, Patience, () => worker.Output);

        var exitCode = await worker.StopAsync(TimeSpan.FromSeconds(60));
        var verify = await VerbAsync("verify");
        var report = await VerbAsync("report");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, worker.Output);
            Assert.That(worker.Output, Does.Contain("Stopping: the step in progress is finished"));
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
            Assert.That(verify.Output, Does.Contain("every invariant holds"));
            Assert.That(report.ExitCode, Is.Zero, report.Error);
            Assert.That(report.Output, Does.Contain("Positions").And.Contain("PAPER").And.Contain("BTCUSDT").And.Contain("Realized PnL per UTC day").And.Contain("Funding rate, last 24 hours"));
        }

        await Probe.AssertLedgerMatchesExchangeAsync();
    }

    [Test]
    public async Task Killed_at_random_moments_with_lost_answers_the_ledger_ends_with_every_order_and_trade_once()
    {
        Environment["Exchange__Paper__Faults__AnswerLostPercent"] = "40";
        Environment["Exchange__Paper__Faults__DuplicateTradesPercent"] = "30";
        Environment["Exchange__Paper__Faults__OutOfOrderTradesPercent"] = "30";
        var random = new Random(20261125);
        var output = new System.Text.StringBuilder();
        for (var round = 0; round < 8; round++)
        {
            using var worker = RunningWorker.Start(Folder, Environment, "run");
            await Task.Delay(TimeSpan.FromMilliseconds(1500 + random.Next(2500)));
            worker.Kill();
            output.AppendLine(worker.Output);
        }

        using (var last = RunningWorker.Start(Folder, Environment, "run"))
        {
            await last.WaitForOutputAsync("Recovered:", Patience);
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.That(await last.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, last.Output);
        }

        var verify = await VerbAsync("verify");

        Assert.That(await Probe.CountAsync("SELECT COUNT(*) FROM fills"), Is.Positive, output.ToString());
        Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
        await Probe.AssertLedgerMatchesExchangeAsync();
    }
}

[TestFixture]
public sealed class SqliteWorkerScenarios : WorkerScenarios
{
    protected override Task<(Dictionary<string, string> Ledger, LedgerProbe Probe)> CreateLedgerAsync(string folder) =>
        Task.FromResult((new Dictionary<string, string>(), LedgerProbe.Sqlite(folder)));

    protected override Task DropLedgerAsync() => Task.CompletedTask;
}

[TestFixture]
public sealed class PostgresWorkerScenarios : WorkerScenarios
{
    private string _database = null!;

    protected override async Task<(Dictionary<string, string> Ledger, LedgerProbe Probe)> CreateLedgerAsync(string folder)
    {
        _database = $"worker_{Guid.NewGuid():N}";
        var connectionString = await TestServers.Postgres.CreateDatabaseAsync(_database);
        return (new Dictionary<string, string> { ["Ledger__Provider"] = "Postgres", ["ConnectionStrings__Ledger"] = connectionString }, LedgerProbe.Postgres(connectionString, folder));
    }

    protected override Task DropLedgerAsync() => TestServers.Postgres.DropDatabaseAsync(_database);

    [Test]
    public async Task When_the_database_goes_away_the_worker_pauses_and_resumes_without_losing_or_duplicating()
    {
        using var worker = RunningWorker.Start(Folder, Environment, "run");
        await Probe.WaitForFillsAsync(2, Patience, () => worker.Output);

        // A local cluster is stopped and started; on a server the tests cannot stop, the ledger's database refuses
        // connections and its open ones are terminated for as long.
        await TestServers.Postgres.InterruptAsync(_database, TimeSpan.FromSeconds(6));
        var fillsAfterOutage = await Probe.CountAsync("SELECT COUNT(*) FROM fills");
        await Probe.WaitForFillsAsync(fillsAfterOutage + 2, Patience, () => worker.Output);

        Assert.That(await worker.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, worker.Output);
        var verify = await VerbAsync("verify");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(worker.Output, Does.Contain("The cycle failed; trading is paused"), "the outage was noticed");
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
        }

        await Probe.AssertLedgerMatchesExchangeAsync();
    }

    [Test]
    public async Task Two_workers_on_one_ledger_never_trade_at_once_and_the_standby_takes_over()
    {
        using var first = RunningWorker.Start(Folder, Environment, "run");
        await first.WaitForOutputAsync("is active", Patience);
        using var second = RunningWorker.Start(Folder, Environment, "run");
        await second.WaitForOutputAsync("is standby", Patience);
        await Probe.WaitForFillsAsync(2, Patience, () => first.Output);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var actorsWhileBothRan = await Probe.StringsAsync("SELECT DISTINCT event_data->>'actor' FROM audit_log WHERE event_type = 'DECISION'");
        first.Kill();
        await second.WaitForOutputAsync("is active", Patience);
        var fills = await Probe.CountAsync("SELECT COUNT(*) FROM fills");
        await Probe.WaitForFillsAsync(fills + 2, Patience, () => second.Output);
        Assert.That(await second.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, second.Output);
        var actors = await Probe.StringsAsync("SELECT DISTINCT event_data->>'actor' FROM audit_log WHERE event_type = 'DECISION'");
        var verify = await VerbAsync("verify");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(actorsWhileBothRan, Has.Count.EqualTo(1).And.One.EndsWith($":{first.ProcessId}"), "only the first worker decided while both ran");
            Assert.That(actors, Has.Some.EndsWith($":{second.ProcessId}"), "the standby traded after taking over");
            Assert.That(actors.All(a => a.EndsWith($":{first.ProcessId}", StringComparison.Ordinal) || a.EndsWith($":{second.ProcessId}", StringComparison.Ordinal)), Is.True);
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
        }

        await Probe.AssertLedgerMatchesExchangeAsync();
    }
}
