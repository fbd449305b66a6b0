using TradingBot.TestPostgres;

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
        Directory.Delete(Folder, recursive: true);
    }

    protected Task<WorkerProcess.Result> VerbAsync(params string[] verb) => WorkerProcess.RunAsync(Folder, Environment, TimeSpan.FromMinutes(2), verb);

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
            // The worker inherits the test's own dispositions: it warns exactly when this process ignores a stop signal too.
            Assert.That(worker.Output, TradingBot.Host.Worker.Composition.StopSignals.InterruptIgnoredNow() ? Does.Contain("This process ignores SIGINT") : Does.Not.Contain("This process ignores SIGINT"));
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
            Assert.That(verify.Output, Does.Contain("every invariant holds"));
            Assert.That(report.ExitCode, Is.Zero, report.Error);
            Assert.That(report.Output, Does.Contain("Positions").And.Contain("PAPER").And.Contain("BTCUSDT").And.Contain("Realized PnL per UTC day").And.Contain("Funding rate, last 24 hours"));
        }

        await Probe.AssertLedgerMatchesExchangeAsync();
    }

    /// <summary>The paper exchange misbehaving as Binance does, and deadlines short enough for a test.</summary>
    protected void ExchangeMisbehaves(int seed)
    {
        Environment["Exchange__Paper__Seed"] = (seed % 10_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Environment["Exchange__Paper__Faults__AnswerLostPercent"] = "25";
        Environment["Exchange__Paper__Faults__UnknownPercent"] = "10";
        Environment["Exchange__Paper__Faults__LateVisibilitySeconds"] = "2";
        Environment["Exchange__Paper__Faults__ExchangeClosePercent"] = "25";
        Environment["Exchange__Paper__Faults__ExpirePercent"] = "20";
        Environment["Exchange__Paper__Faults__ForeignOpenOrders"] = "true";
        Environment["Exchange__Paper__Faults__DuplicateTradesPercent"] = "30";
        Environment["Exchange__Paper__Faults__OutOfOrderTradesPercent"] = "30";
        Environment["Exchange__MaxSendDelay"] = "00:00:02";
        Environment["Exchange__VisibilityMargin"] = "00:00:04";
    }

    /// <summary>
    /// A last run that decides nothing new (no rate reaches its thresholds): it resolves what earlier runs left (an order
    /// whose answer was lost stays PENDING until its deadline, which may pass while no worker runs), until nothing is
    /// PENDING any more, and reconciles. Returns its output.
    /// </summary>
    protected async Task<string> ResolveWhatIsLeftAsync(string before)
    {
        Environment["Strategy__EntryFundingRateBps"] = "1000";
        Environment["Strategy__ExitFundingRateBps"] = "-1000";
        using var last = RunningWorker.Start(Folder, Environment, "run");
        await last.WaitForOutputAsync("Recovered:", Patience);
        await Probe.WaitForCountAsync("SELECT COUNT(*) FROM orders WHERE status = 'PENDING'", 0, Patience, () => before + last.Output);
        await last.WaitForCountAsync("Reconciled with the exchange", last.Count("Reconciled with the exchange") + 1, Patience);
        Assert.That(await last.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, last.Output);
        return last.Output;
    }

    [Test]
    public async Task Killed_at_seeded_moments_against_an_exchange_that_misbehaves_the_ledger_reconciles_with_the_exchange_like_a_bank()
    {
        var took = System.Diagnostics.Stopwatch.StartNew();
        var seed = TestSettings.Seed();
        var random = new Random(seed);
        ExchangeMisbehaves(seed);
        Environment["Exchange__Paper__Faults__SlowReadMilliseconds"] = "20";
        var output = new System.Text.StringBuilder();
        for (var round = 0; round < 6; round++)
        {
            // A moment drawn from the seed, reached as a state: after this many more completed cycles.
            var cycles = 1 + random.Next(6);
            using var worker = RunningWorker.Start(Folder, Environment, "run");
            await worker.WaitForCountAsync("Cycle:", cycles, Patience);
            worker.Kill();
            output.AppendLine($"--- round {round}: killed after {cycles} cycle(s)").AppendLine(worker.Output);
        }

        // Trading goes on until the exchange has closed a position by itself at least once (a state, not a duration).
        using (var trading = RunningWorker.Start(Folder, Environment, "run"))
        {
            await Probe.WaitForCountAtLeastAsync("SELECT COUNT(*) FROM orders WHERE idempotency_key LIKE 'EXT:%'", 1, TimeSpan.FromSeconds(90), () => output + trading.Output);
            trading.Kill();
            output.AppendLine("--- trading until an exchange-side close").AppendLine(trading.Output);
        }

        output.AppendLine("--- last run").AppendLine(await ResolveWhatIsLeftAsync(output.ToString()));

        var verify = await VerbAsync("verify");
        // The workers' logs, kept with the test's results: a failure below is read from them, with the seed.
        var log = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"scenario-{GetType().Name}-{seed}.log");
        await File.WriteAllTextAsync(log, output.ToString());
        TestContext.AddTestAttachment(log, "the workers' output, round by round");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Probe.CountAsync("SELECT COUNT(*) FROM fills"), Is.Positive, output.ToString());
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
        }

        await Probe.AssertBankReconciliationAsync(lowest: -1_000_000, highest: 0);

        // How long it took is reported, not asserted: a busy machine is slow, not wrong (CI's total is watched instead).
        TestContext.Progress.WriteLine($"seed {seed}: the kill -9 scenario took {took.Elapsed.TotalSeconds:F0} s");
    }

    [Test]
    public async Task Killed_while_an_order_of_up_to_a_thousand_trades_is_being_recorded_the_next_start_records_the_rest_once()
    {
        // An order that walks a thin book: up to 1,000 trades, each a fill of its own, recorded one transaction at a time.
        Environment["Exchange__Paper__MaxTradesPerMarketOrder"] = "1000";
        Environment["Exchange__Paper__StartingBalance"] = "1000000000";
        Environment["Strategy__OrderQuantity"] = "1";
        var output = new System.Text.StringBuilder();
        var cut = new List<string>();
        for (var attempt = 0; attempt < 5 && cut.Count == 0; attempt++)
        {
            // The moment is a state: the ledger holds some of an order's fills. The kill comes as soon as that is seen, and
            // whether it landed before the order's last fill is read afterwards, against the exchange's trades.
            using var worker = RunningWorker.Start(Folder, Environment, "run");
            await Probe.WaitForCountAtLeastAsync("SELECT COUNT(*) FROM orders WHERE status = 'PARTIALLY_FILLED'", 1, Patience, () => output + worker.Output, TimeSpan.FromMilliseconds(20));
            worker.Kill();
            output.AppendLine($"--- attempt {attempt}: killed with an order partly recorded").AppendLine(worker.Output);
            cut = await OrdersShortOfTheirTradesAsync();
        }

        Assert.That(cut, Is.Not.Empty, $"no kill landed before an order's last fill was recorded:\n{output}");
        TestContext.Progress.WriteLine($"killed with orders cut short: {string.Join(", ", cut)}");
        output.AppendLine("--- last run").AppendLine(await ResolveWhatIsLeftAsync(output.ToString()));
        var verify = await VerbAsync("verify");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await OrdersShortOfTheirTradesAsync(), Is.Empty, $"orders cut short by the kill: {string.Join(", ", cut)}\n{output}");
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
        }

        await Probe.AssertLedgerMatchesExchangeAsync();
    }

    // The ledger's orders that hold some but not all of the exchange's trades of them as fills ("key: ledger of exchange").
    private async Task<List<string>> OrdersShortOfTheirTradesAsync()
    {
        var exchange = Probe.PaperTradesPerOrder();
        var ledger = (await Probe.RowsAsync("SELECT o.idempotency_key, COUNT(f.id) FROM orders o JOIN fills f ON f.order_id = o.id GROUP BY o.idempotency_key"))
            .ToDictionary(r => r[0], r => long.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture));
        return [.. exchange
            .Select(e => (e.Key, Recorded: ledger.GetValueOrDefault(e.Key), Trades: e.Value))
            .Where(o => o.Recorded > 0 && o.Recorded < o.Trades)
            .Select(o => $"{o.Key}: {o.Recorded} of {o.Trades}")];
    }

    [Test]
    public async Task A_position_the_ledger_has_no_trades_for_halts_its_symbol_until_the_operator_adopts_it()
    {
        Environment["Exchange__Paper__Faults__PositionsWithoutTrades"] = "BTCUSDT:-0.01";

        using (var worker = RunningWorker.Start(Folder, Environment, "run"))
        {
            await worker.WaitForOutputAsync("Symbol BTCUSDT is halted (POSITION_DIFFERS)", Patience);
            await worker.WaitForCountAsync("Cycle:", 3, Patience);
            Assert.That(await worker.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, worker.Output);
        }

        var halted = await VerbAsync("verify", "--against-exchange");
        var report = await VerbAsync("report");
        var adopted = await VerbAsync("adopt-position", "BTCUSDT");
        var released = await VerbAsync("verify", "--against-exchange");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(halted.ExitCode, Is.EqualTo(1), halted.Output + halted.Error);
            Assert.That(halted.Output, Does.Contain("HALTED: PAPER/BTCUSDT").And.Contain("POSITION_DIFFERS").And.Contain("DIFFERS: position PAPER/BTCUSDT: ledger 0, exchange -0.01"));
            Assert.That(report.Output, Does.Contain("Halted symbols").And.Contain("adopt-position BTCUSDT"));
            Assert.That(adopted.ExitCode, Is.Zero, adopted.Output + adopted.Error);
            Assert.That(adopted.Output, Does.Contain("adopted -0.01 BTCUSDT").And.Contain("BTCUSDT is no longer halted"));
            Assert.That(released.ExitCode, Is.Zero, released.Output + released.Error);
            Assert.That(released.Output, Does.Contain("Position PAPER/BTCUSDT: -0.01, as the exchange."));
        }
    }

    [Test]
    public async Task A_quantity_the_exchange_rules_refuse_stops_the_worker_before_any_decision_naming_the_setting()
    {
        Environment["Strategy__OrderQuantity"] = "0.0001";

        using var worker = RunningWorker.Start(Folder, Environment, "run");
        var exitCode = await worker.WaitForExitAsync(Patience);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(2), worker.Output);
            Assert.That(worker.Output, Does.Contain("Configuration error: Strategy:OrderQuantity 0.0001 cannot be traded on BTCUSDT"));
            Assert.That(worker.Output, Does.Not.Contain("is active"));
        }

        Assert.That(await Probe.CountAsync("SELECT COUNT(*) FROM orders"), Is.Zero);
    }

}

[TestFixture]
public sealed class SqliteWorkerScenarios : WorkerScenarios
{
    protected override Task<(Dictionary<string, string> Ledger, LedgerProbe Probe)> CreateLedgerAsync(string folder) =>
        Task.FromResult((new Dictionary<string, string>(), LedgerProbe.Sqlite(folder)));

    protected override Task DropLedgerAsync() => Task.CompletedTask;

    // On SQLite only: the Postgres lease's standby is covered by the lease-cut scenario, its health by the outage test.
    [Test]
    public async Task The_health_endpoint_answers_ready_for_the_active_worker_and_standby_for_the_second()
    {
        var first = $"http://127.0.0.1:{LocalHttp.FreePort()}";
        var second = $"http://127.0.0.1:{LocalHttp.FreePort()}";
        using var active = RunningWorker.Start(Folder, new Dictionary<string, string>(Environment) { ["Worker__HealthUrl"] = first }, "run");
        await active.WaitForOutputAsync("is active", Patience);
        var ready = await LocalHttp.WaitForAsync($"{first}/health/ready", (status, _) => status == 200, Patience, () => active.Output);
        using var standby = RunningWorker.Start(Folder, new Dictionary<string, string>(Environment) { ["Worker__HealthUrl"] = second }, "run");
        await standby.WaitForOutputAsync("is standby", Patience);

        var standbyReady = await LocalHttp.GetAsync($"{second}/health/ready");
        var standbyLive = await LocalHttp.GetAsync($"{second}/health/live");
        var activeLive = await LocalHttp.GetAsync($"{first}/health/live");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ready.Body, Does.Contain("\"ready\":true").And.Contain("\"role\":\"active\"").And.Contain("\"ledger\":{\"status\":\"Healthy\""));
            Assert.That(activeLive.Status, Is.EqualTo(200), activeLive.Body);
            Assert.That(standbyReady.Status, Is.EqualTo(503), "a standby is not ready: a platform sends it no work");
            Assert.That(standbyReady.Body, Does.Contain("\"ready\":false").And.Contain("\"standby\":true").And.Contain("standby: another worker holds the ledger lease"));
            Assert.That(standbyLive.Status, Is.EqualTo(200), "a standby is alive: a platform must not restart it");
        }

        Assert.That(await standby.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, standby.Output);
        Assert.That(await active.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, active.Output);
    }

    [Test]
    public async Task A_halt_is_alerted_once_in_telegram_form_a_failing_webhook_does_not_stop_trading_and_no_secret_is_logged()
    {
        const string Token = "123456:CANARY-TELEGRAM-TOKEN";
        const string Header = "CANARY-OTLP-HEADER";
        using var webhook = new LocalWebhook { Status = System.Net.HttpStatusCode.InternalServerError };
        Environment["Exchange__Paper__Faults__PositionsWithoutTrades"] = "BTCUSDT:-0.01";
        Environment["Alerts__WebhookUrl"] = webhook.Url($"bot{Token}/sendMessage");
        Environment["Alerts__Format"] = "Telegram";
        Environment["Alerts__TelegramChatId"] = "-1001";
        Environment["Telemetry__OtlpEndpoint"] = webhook.Url();
        Environment["Telemetry__OtlpHeaders"] = $"Authorization=Bearer {Header}";
        Environment["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
        Environment["Logging__LogLevel__Default"] = "Trace";

        using var worker = RunningWorker.Start(Folder, Environment, "run");
        var alert = await webhook.WaitForAsync(r => r.Path.EndsWith("/sendMessage", StringComparison.Ordinal), Patience, () => worker.Output);
        // An export after the first cycles: the worker's own instruments, by name (OTLP's protobuf keeps names as UTF-8).
        var metrics = await webhook.WaitForAsync(r => r.Path == "/v1/metrics" && r.Body.Contains("tradingbot.cycle.duration", StringComparison.Ordinal), Patience, () => worker.Output);
        await worker.WaitForOutputAsync("The alert webhook answered 500", Patience);
        var cycles = worker.Count("Cycle:");
        await worker.WaitForCountAsync("Cycle:", cycles + 3, Patience);
        Assert.That(await worker.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, worker.Output);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(alert.Path, Is.EqualTo($"/bot{Token}/sendMessage"));
            Assert.That(alert.Body, Does.Contain("\"chat_id\":\"-1001\"").And.Contain("BTCUSDT halted (POSITION_DIFFERS)"));
            Assert.That(webhook.Received.Count(r => r.Body.Contains("BTCUSDT halted", StringComparison.Ordinal)), Is.EqualTo(1), "one message per condition per interval");
            Assert.That(metrics.Headers["Authorization"], Is.EqualTo($"Bearer {Header}"), "the exporter sent its header");
            Assert.That(metrics.Body, Does.Contain("tradingbot.lease.held").And.Contain("tradingbot.symbols.halted").And.Contain("tradingbot.orders.pending"));
            Assert.That(worker.Output, Does.Not.Contain("CANARY"), "neither the webhook's token nor the exporter's header is ever logged");
            Assert.That(worker.Output, Does.Contain("Symbol BTCUSDT is halted (POSITION_DIFFERS)"));
        }
    }
}

[TestFixture]
public sealed class PostgresWorkerScenarios : WorkerScenarios
{
    // The outage tests stop this fixture's server: its own, so the fixtures running beside it keep theirs.
    private PostgresServer _server = null!;
    private string _database = null!;

    [OneTimeSetUp]
    public async Task StartServerAsync() => _server = await PostgresServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopServerAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync(); // not there when its start failed (NUnit tears down all the same)
        }
    }

    protected override async Task<(Dictionary<string, string> Ledger, LedgerProbe Probe)> CreateLedgerAsync(string folder)
    {
        _database = $"worker_{Guid.NewGuid():N}";
        var connectionString = await _server.CreateDatabaseAsync(_database);
        return (new Dictionary<string, string> { ["Ledger__Provider"] = "Postgres", ["ConnectionStrings__Ledger"] = connectionString }, LedgerProbe.Postgres(connectionString, folder));
    }

    protected override Task DropLedgerAsync() => _server.DropDatabaseAsync(_database);

    [Test]
    public async Task While_the_ledger_is_down_the_worker_is_alive_but_not_ready_and_the_pause_and_the_resume_are_alerted()
    {
        var health = $"http://127.0.0.1:{LocalHttp.FreePort()}";
        using var webhook = new LocalWebhook();
        Environment["Worker__HealthUrl"] = health;
        Environment["Alerts__WebhookUrl"] = webhook.Url("hook");
        Environment["Alerts__PausedAfter"] = "00:00:00";
        using var worker = RunningWorker.Start(Folder, Environment, "run");
        await LocalHttp.WaitForAsync($"{health}/health/ready", (status, _) => status == 200, Patience, () => worker.Output);

        (int Status, string Body) downReady = default, downLive = default;
        var noticed = await _server.InterruptAsync(
            _database,
            () =>
            {
                downReady = LocalHttp.GetAsync($"{health}/health/ready").GetAwaiter().GetResult();
                downLive = LocalHttp.GetAsync($"{health}/health/live").GetAwaiter().GetResult();
                return downReady.Status == 503 && webhook.Received.Any(r => r.Body.Contains("trading paused", StringComparison.Ordinal));
            },
            Patience);
        Assert.That(noticed, Is.True, $"ready answered {downReady.Status} {downReady.Body}; webhook got {webhook.Received.Count} request(s):\n{worker.Output}");
        var resumed = await webhook.WaitForAsync(r => r.Body.Contains("trading resumed", StringComparison.Ordinal), Patience, () => worker.Output);
        var readyAgain = await LocalHttp.WaitForAsync($"{health}/health/ready", (status, _) => status == 200, Patience, () => worker.Output);
        Assert.That(await worker.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, worker.Output);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(downReady.Body, Does.Contain("\"ready\":false").And.Contain("the ledger is unreachable"));
            Assert.That(downLive.Status, Is.EqualTo(200), "an unreachable ledger is not cured by a restart: the worker stays alive");
            Assert.That(webhook.Received.Single(r => r.Body.Contains("trading paused", StringComparison.Ordinal)).Body, Does.Contain("\"condition\":\"paused\"").And.Contain("\"recovered\":false"));
            Assert.That(resumed.Body, Does.Contain("\"recovered\":true"));
            Assert.That(readyAgain.Body, Does.Contain("\"ready\":true"));
        }
    }

    [Test]
    public async Task When_the_database_goes_away_the_worker_pauses_and_resumes_without_losing_or_duplicating()
    {
        using var worker = RunningWorker.Start(Folder, Environment, "run");
        await Probe.WaitForFillsAsync(2, Patience, () => worker.Output);

        // A local cluster is stopped and started; on a server the tests cannot stop, the ledger's database refuses
        // connections and its open ones are terminated for as long. The outage lasts until the worker has noticed it.
        var noticed = await _server.InterruptAsync(_database, () => worker.Output.Contains("The cycle failed; trading is paused", StringComparison.Ordinal), Patience);
        Assert.That(noticed, Is.True, "the worker noticed the outage within " + Patience + ":\n" + worker.Output);
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
    public async Task A_worker_whose_lease_connection_is_terminated_mid_cycle_never_sends_the_decision_the_standby_then_makes()
    {
        var seed = TestSettings.Seed();
        ExchangeMisbehaves(seed);
        Environment["Exchange__Paper__Faults__SlowReadMilliseconds"] = "150";
        Environment["Exchange__Paper__Faults__ExchangeClosePercent"] = "40";
        using var webhook = new LocalWebhook();
        Environment["Alerts__WebhookUrl"] = webhook.Url("hook");
        Environment["Alerts__Interval"] = "00:00:00";
        var workers = new[] { RunningWorker.Start(Folder, Environment, "run"), null! };
        try
        {
            await workers[0].WaitForOutputAsync("is active", Patience);
            workers[1] = RunningWorker.Start(Folder, Environment, "run");
            await workers[1].WaitForOutputAsync("is standby", Patience);
            const int Rounds = 3;
            var active = 0;
            var terminated = 0;
            for (var round = 0; round < Rounds; round++)
            {
                // In the middle of the active worker's slow cycles: one more has completed, the next has begun.
                var holder = workers[active];
                await holder.WaitForCountAsync("Cycle:", holder.Count("Cycle:") + 1, Patience);
                var lost = holder.Count("lost the ledger lease");
                var activations = workers.Select(w => w.Count("is active")).ToArray();
                terminated += await TerminateLeaseConnectionAsync();

                // Whichever worker takes the lease next (the standby, or the same one again) is the next to be cut.
                await holder.WaitForCountAsync("lost the ledger lease", lost + 1, Patience);
                var deadline = DateTime.UtcNow + Patience;
                while (workers.Select(w => w.Count("is active")).SequenceEqual(activations))
                {
                    Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"no worker took the lease again:\n{workers[0].Output}\n{workers[1].Output}");
                    await Task.Delay(50);
                }

                active = workers[1].Count("is active") > activations[1] ? 1 : 0;
            }

            await workers[active].WaitForCountAsync("Reconciled with the exchange", workers[active].Count("Reconciled with the exchange") + 2, Patience);
            foreach (var worker in workers)
            {
                Assert.That(await worker.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, worker.Output);
            }

            Assert.That(terminated, Is.EqualTo(Rounds), "every round terminated the lease connection of the worker holding it");
            var lostAlerts = webhook.Received.Count(r => r.Body.Contains("lost the ledger lease", StringComparison.Ordinal) && r.Body.Contains("\"condition\":\"lease\"", StringComparison.Ordinal));
            Assert.That(lostAlerts, Is.InRange(1, Rounds), "each loss of the lease is told (at most once per round)");
            Assert.That(webhook.Received.Count(r => r.Body.Contains("holds the ledger lease again", StringComparison.Ordinal)), Is.InRange(1, lostAlerts), "and its return, after a loss was told");
        }
        finally
        {
            foreach (var worker in workers.Where(w => w is not null))
            {
                worker.Dispose();
            }
        }

        // A worker stopped cleanly may leave an order whose answer was lost PENDING before its deadline.
        await ResolveWhatIsLeftAsync(string.Join('\n', workers.Select(w => w.Output)));

        var verify = await VerbAsync("verify");
        Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
        await Probe.AssertBankReconciliationAsync(lowest: -1_000_000, highest: 0);
    }

    // Terminates the backend that holds the ledger's advisory lock, as a network cut or a failover would.
    private async Task<int> TerminateLeaseConnectionAsync()
    {
        var terminated = await Probe.StringsAsync(
            $"SELECT CAST(pg_terminate_backend(pid) AS TEXT) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = {TradingBot.Infrastructure.Postgres.PostgresLedgerLease.LockKey & 0xFFFFFFFF} " +
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        return terminated.Count(t => t == "true");
    }

    // Every spelling at once, each with a canary of its own (Npgsql takes the last; the local cluster trusts loopback, so any
    // password will do): a redaction that knows one spelling, or stops at the first, or splits a quoted value at its ';',
    // leaves a canary in some output.
    [Test]
    public async Task A_password_in_any_spelling_or_quoting_never_appears_in_any_output()
    {
        string[] canaries = ["c4n4ry-pwd", "c4n4ry-psw", "c4n4ry-lower", "c4n4ry-quoted"];
        Environment["ConnectionStrings__Ledger"] += $";Pwd={canaries[0]};PSW={canaries[1]};password={canaries[2]};Password=\"a;{canaries[3]}\"";

        var outputs = new List<string>();
        foreach (var verb in new[] { "migrate", "verify", "report" })
        {
            var result = await VerbAsync(verb);
            outputs.Add(result.Output + result.Error);
            Assert.That(result.ExitCode, Is.Zero, result.Output + result.Error);
        }

        using (var worker = RunningWorker.Start(Folder, Environment, "run"))
        {
            await worker.WaitForOutputAsync("Recovered:", Patience);
            Assert.That(await worker.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, worker.Output);
            outputs.Add(worker.Output);
        }

        using (Assert.EnterMultipleScope())
        {
            foreach (var canary in canaries)
            {
                Assert.That(outputs, Has.All.Not.Contain(canary));
            }

            Assert.That(outputs[0], Does.Contain("Ledger: Postgres (Host="), "the ledger is still named");
        }
    }

    [Test]
    public async Task Two_workers_on_one_ledger_never_trade_at_once_and_the_standby_takes_over()
    {
        using var first = RunningWorker.Start(Folder, Environment, "run");
        await first.WaitForOutputAsync("is active", Patience);
        using var second = RunningWorker.Start(Folder, Environment, "run");
        await second.WaitForOutputAsync("is standby", Patience);
        await Probe.WaitForFillsAsync(2, Patience, () => first.Output);
        await first.WaitForCountAsync("Cycle:", first.Count("Cycle:") + 3, Patience);

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
