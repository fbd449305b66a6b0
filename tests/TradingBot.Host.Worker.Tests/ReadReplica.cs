using System.Net;
using System.Net.Sockets;
using Npgsql;
using TradingBot.TestPostgres;

namespace TradingBot.Host.Worker.Tests;

/// <summary>
/// <c>ConnectionStrings:LedgerReadOnly</c>: <c>report</c> and <c>verify</c> read a streaming standby of the ledger's
/// Postgres (made with <c>pg_basebackup -R</c>), and the worker, whose decisions must see its own last write, never
/// connects to it.
/// </summary>
[TestFixture]
public sealed class ReadReplica
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private string _folder = null!;
    private string _database = null!;
    private string _primary = null!;

    [SetUp]
    public async Task CreateAsync()
    {
        _folder = Directory.CreateTempSubdirectory("tradingbot-replica-").FullName;
        _database = $"replica_{Guid.NewGuid():N}";
        _primary = await TestServers.Postgres.CreateDatabaseAsync(_database);
    }

    [TearDown]
    public async Task RemoveAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await TestServers.Postgres.DropDatabaseAsync(_database);
        Directory.Delete(_folder, recursive: true);
    }

    private Dictionary<string, string> Worker(string readOnly) => new()
    {
        ["Ledger__Provider"] = "Postgres",
        ["ConnectionStrings__Ledger"] = _primary,
        ["ConnectionStrings__LedgerReadOnly"] = readOnly,
        ["Exchange__Paper__Speed"] = "3000",
        ["Worker__PollInterval"] = "00:00:00.300",
        ["Worker__ReconcileInterval"] = "00:00:01",
        ["Strategy__EntryFundingRateBps"] = "-100", // any rate opens a short when flat, none closes it
        ["Strategy__ExitFundingRateBps"] = "-101",
    };

    [Test]
    public async Task Report_and_verify_read_the_standby_once_it_has_replayed_what_the_worker_wrote_on_the_primary()
    {
        await using var standby = await TestServers.Postgres.StartStandbyAsync();
        var replica = new NpgsqlConnectionStringBuilder(standby.AdminConnectionString) { Database = _database }.ConnectionString;
        var environment = Worker(replica);
        using (var worker = RunningWorker.Start(_folder, environment, "run"))
        {
            await LedgerProbe.Postgres(_primary, _folder).WaitForFillsAsync(2, Patience, () => worker.Output);
            Assert.That(await worker.StopAsync(Patience), Is.Zero, worker.Output);
        }

        await standby.WaitForReplayOfAsync(TestServers.Postgres, Patience);
        var fromReplica = await WorkerProcess.RunAsync(_folder, environment, Patience, "report");
        var verifyReplica = await WorkerProcess.RunAsync(_folder, environment, Patience, "verify");
        var primaryOnly = new Dictionary<string, string>(environment) { ["ConnectionStrings__LedgerReadOnly"] = string.Empty };
        var fromPrimary = await WorkerProcess.RunAsync(_folder, primaryOnly, Patience, "report");
        var verifyPrimary = await WorkerProcess.RunAsync(_folder, primaryOnly, Patience, "verify");
        var standbyFills = await LedgerProbe.Postgres(replica, _folder).CountAsync("SELECT COUNT(*) FROM fills");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fromReplica.ExitCode, Is.Zero, fromReplica.Output + fromReplica.Error);
            Assert.That(fromReplica.Output, Does.Contain($"Port={new NpgsqlConnectionStringBuilder(standby.AdminConnectionString).Port}").And.Contain("(read replica, ConnectionStrings:LedgerReadOnly)"));
            Assert.That(Positions(fromReplica.Output), Is.EqualTo(Positions(fromPrimary.Output)).And.Not.Empty, fromReplica.Output + fromPrimary.Output);
            Assert.That(verifyReplica.ExitCode, Is.Zero, verifyReplica.Output + verifyReplica.Error);
            Assert.That(verifyReplica.Output, Does.Contain("(read replica, ConnectionStrings:LedgerReadOnly)"));
            Assert.That(verifyPrimary.Output, Does.Contain("(primary)"));
            Assert.That(Checked(verifyReplica.Output), Is.EqualTo(Checked(verifyPrimary.Output)));
            Assert.That(standbyFills, Is.GreaterThanOrEqualTo(2), "the standby holds the worker's fills");
        }
    }

    [Test]
    public async Task The_worker_never_connects_to_the_replica_and_report_only_reads_it()
    {
        // A listener that only counts who connects: the worker must never come; report must.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connections = 0;
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                Interlocked.Increment(ref connections);
            }
        });
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var environment = Worker($"Host=127.0.0.1;Port={port};Database={_database};Username=postgres;Timeout=5");

        using (var worker = RunningWorker.Start(_folder, environment, "run"))
        {
            var probe = LedgerProbe.Postgres(_primary, _folder);
            await probe.WaitForFillsAsync(2, Patience, () => worker.Output);
            await worker.WaitForCountAsync("Reconciled", 3, Patience); // decisions, fills and reconciliations all ran
            Assert.That(await worker.StopAsync(Patience), Is.Zero, worker.Output);
        }

        var seenByWorker = Volatile.Read(ref connections);
        var report = await WorkerProcess.RunAsync(_folder, environment, Patience, "report");
        var seenByReport = Volatile.Read(ref connections);
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await accepting;
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(seenByWorker, Is.Zero, "the worker connected to the read replica");
            Assert.That(seenByReport, Is.GreaterThan(0), "report did not go to the read replica");
            Assert.That(report.ExitCode, Is.Not.Zero, "the listener is not a Postgres server: " + report.Output);
        }
    }

    // The Positions table of a report: what it has read must be the same on the standby as on the primary.
    private static List<string> Positions(string report) =>
        [.. report.Split('\n').SkipWhile(l => !l.Contains("Positions", StringComparison.Ordinal)).TakeWhile(l => !l.Contains("Halted symbols", StringComparison.Ordinal))];

    private static string? Checked(string verify) => verify.Split('\n').FirstOrDefault(l => l.StartsWith("Checked ", StringComparison.Ordinal));
}
