using Npgsql;
using TradingBot.TestPostgres;

namespace TradingBot.Host.Worker.Tests;

/// <summary>
/// The worker behind a transaction-mode pooler, as on a managed Postgres: its units of work go through PgBouncer (two
/// server connections per database), its lease and migrations over <c>ConnectionStrings:LedgerDirect</c>.
/// </summary>
[TestFixture]
public sealed class ThroughPgBouncer
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private PgBouncer _pooler = null!;
    private string _folder = null!;
    private string _database = null!;
    private string _direct = null!;

    [OneTimeSetUp]
    public async Task StartPoolerAsync() => _pooler = await PgBouncer.StartAsync(TestServers.Postgres);

    [OneTimeTearDown]
    public async Task StopPoolerAsync() => await _pooler.DisposeAsync();

    [SetUp]
    public async Task CreateAsync()
    {
        _folder = Directory.CreateTempSubdirectory("tradingbot-pooler-").FullName;
        _database = $"pooled_{Guid.NewGuid():N}";
        _direct = await TestServers.Postgres.CreateDatabaseAsync(_database);
    }

    [TearDown]
    public async Task RemoveAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await TestServers.Postgres.DropDatabaseAsync(_database);
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task The_worker_trades_through_the_pooler_with_its_lease_on_the_direct_connection()
    {
        var environment = new Dictionary<string, string>
        {
            ["Ledger__Provider"] = "Postgres",
            ["Ledger__Pooler"] = "Transaction",
            ["ConnectionStrings__Ledger"] = new NpgsqlConnectionStringBuilder(_pooler.Through(_direct)) { MaxPoolSize = 3 }.ConnectionString,
            ["ConnectionStrings__LedgerDirect"] = _direct,
            ["Exchange__Paper__Speed"] = "3000",
            ["Worker__PollInterval"] = "00:00:00.300",
            ["Worker__ReconcileInterval"] = "00:00:01",
            ["Strategy__EntryFundingRateBps"] = "2",
            ["Strategy__ExitFundingRateBps"] = "1",
        };
        var probe = LedgerProbe.Postgres(_direct, _folder);

        List<string> clients;
        using (var worker = RunningWorker.Start(_folder, environment, "run"))
        {
            await probe.WaitForFillsAsync(4, Patience, () => worker.Output);
            await worker.WaitForCountAsync("Reconciled with the exchange", 2, Patience);
            clients = await _pooler.ClientApplicationsAsync();
            Assert.That(await worker.StopAsync(Patience), Is.Zero, worker.Output);
            Assert.That(worker.Output, Does.Not.Contain("The cycle failed"), worker.Output);
        }

        var verify = await WorkerProcess.RunAsync(_folder, environment, Patience, "verify");
        var transactions = await _pooler.TransactionsAsync(_database);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
            Assert.That(transactions, Is.GreaterThan(20), "the units of work went through PgBouncer");
            Assert.That(clients, Has.None.EqualTo(TradingBot.Infrastructure.Postgres.PostgresLedgerLease.ApplicationName), "the lease is not held through the pooler");
        }

        await probe.AssertLedgerMatchesExchangeAsync();
    }
}
