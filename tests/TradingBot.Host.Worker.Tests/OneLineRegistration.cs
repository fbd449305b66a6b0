using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Queries;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Hosting;
using TradingBot.Infrastructure.Persistence;

namespace TradingBot.Host.Worker.Tests;

/// <summary>
/// What a host of its own does: <c>AddTradingBotLedger(configuration)</c>, <c>AddTradingBotApplication(configuration)</c>,
/// <c>AddTradingBotExchange(configuration)</c> from the worker's settings, on each provider, then writes and reads.
/// </summary>
[TestFixture]
public sealed class OneLineRegistration
{
    private static readonly ExchangeName Binance = new("BINANCE");
    private static readonly Symbol BtcUsdt = new("BTCUSDT");
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("tradingbot-oneline-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task A_host_of_its_own_registers_a_sqlite_ledger_from_configuration()
    {
        var configuration = Configuration(new() { ["ConnectionStrings:Ledger"] = "Data Source=data/mine.db", ["Exchange:MaxSendDelay"] = "00:00:07" });

        await WriteAndReadAsync(configuration);

        Assert.That(File.Exists(Path.Combine(_folder, "data", "mine.db")), Is.True, "a relative path is taken against the content root given");
    }

    [Test]
    public async Task A_host_of_its_own_registers_a_postgres_ledger_from_configuration()
    {
        var database = await TestServers.Postgres.CreateDatabaseAsync($"oneline_{Guid.NewGuid():N}");
        try
        {
            var configuration = Configuration(new() { ["Ledger:Provider"] = "postgres", ["ConnectionStrings:Ledger"] = database, ["Exchange:MaxSendDelay"] = "00:00:07" });

            await WriteAndReadAsync(configuration);
        }
        finally
        {
            await TestServers.Postgres.DropDatabaseAsync(new Npgsql.NpgsqlConnectionStringBuilder(database).Database!);
        }
    }

    [Test]
    public void A_report_host_reads_the_replica_when_one_is_named_and_the_primary_otherwise()
    {
        var primary = Path.Combine(_folder, "primary.db");
        var replica = Path.Combine(_folder, "replica.db");
        File.WriteAllBytes(primary, []);
        File.WriteAllBytes(replica, []);

        var withReplica = Registered(Configuration(new() { ["ConnectionStrings:Ledger"] = $"Data Source={primary}", ["ConnectionStrings:LedgerReadOnly"] = $"Data Source={replica}" }), LedgerAccess.ReadReplica);
        var withoutReplica = Registered(Configuration(new() { ["ConnectionStrings:Ledger"] = $"Data Source={primary}" }), LedgerAccess.ReadReplica);
        var trading = Registered(Configuration(new() { ["ConnectionStrings:Ledger"] = $"Data Source={primary}", ["ConnectionStrings:LedgerReadOnly"] = $"Data Source={replica}" }), LedgerAccess.ReadWrite);

        Assert.Multiple(() =>
        {
            Assert.That((withReplica.SqliteFile, withReplica.IsReadReplica, withReplica.ReadOnly), Is.EqualTo((replica, true, true)));
            Assert.That((withoutReplica.SqliteFile, withoutReplica.IsReadReplica, withoutReplica.ReadOnly), Is.EqualTo((primary, false, true)));
            Assert.That((trading.SqliteFile, trading.IsReadReplica, trading.ReadOnly), Is.EqualTo((primary, false, false)), "trading never reads the replica");
        });
    }

    public static IEnumerable<TestCaseData> WrongValues()
    {
        yield return new TestCaseData(new Dictionary<string, string?> { ["Ledger:Provider"] = "Oracle" }, "Ledger:Provider is 'Oracle'; expected Sqlite or Postgres.").SetName("unknown provider");
        yield return new TestCaseData(new Dictionary<string, string?> { ["Ledger:Provider"] = "Postgres" }, "ConnectionStrings:Ledger is required when Ledger:Provider is Postgres").SetName("postgres without a connection string");
        yield return new TestCaseData(new Dictionary<string, string?> { ["Ledger:Provider"] = "1" }, "Ledger:Provider is '1'; expected Sqlite or Postgres.").SetName("provider as a number");
        yield return new TestCaseData(new Dictionary<string, string?> { ["ConnectionStrings:Ledger"] = "Data Source=:memory:" }, "ConnectionStrings:Ledger is not usable for Sqlite: the SQLite ledger must be a file").SetName("in-memory ledger");
    }

    [TestCaseSource(nameof(WrongValues))]
    public void A_wrong_value_is_named_and_nothing_is_registered(Dictionary<string, string?> settings, string message)
    {
        var services = new ServiceCollection();

        var problem = Assert.Throws<TradingBotConfigurationException>(() => services.AddTradingBotLedger(Configuration(settings), contentRoot: _folder));

        Assert.That(problem!.Message, Does.StartWith(message));
        Assert.That(services, Is.Empty);
        Assert.That(Directory.EnumerateFileSystemEntries(_folder), Is.Empty, "nothing was created");
    }

    [Test]
    public void A_wrong_order_deadline_is_named_by_the_application_registration()
    {
        var services = new ServiceCollection();

        var problem = Assert.Throws<TradingBotConfigurationException>(() => services.AddTradingBotApplication(Configuration(new() { ["Exchange:MaxSendDelay"] = "soon" })));

        Assert.That(problem!.Message, Does.StartWith("Exchange:MaxSendDelay is 'soon'"));
        Assert.That(services, Is.Empty);
    }

    private async Task WriteAndReadAsync(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddLogging()
            .AddTradingBotLedger(configuration, contentRoot: _folder)
            .AddTradingBotApplication(configuration)
            .AddTradingBotExchange(configuration, _folder);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<LedgerMigrator>().MigrateAsync(CancellationToken.None);

        var at = DateTimeOffset.UtcNow;
        await provider.GetRequiredService<TradingBot.Application.Funding.RecordFundingSnapshot>()
            .ExecuteAsync(new FundingSnapshot(Binance, BtcUsdt, FundingRate.Parse("0.0001"), Price.Parse("64000"), Price.Parse("63990"), at), CancellationToken.None);
        var read = await provider.GetRequiredService<LedgerQueries>().FundingHistoryAsync(Binance, BtcUsdt, at.AddMinutes(-1), at.AddMinutes(1), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(read.Select(s => s.Rate), Is.EqualTo(new[] { FundingRate.Parse("0.0001") }));
            Assert.That(provider.GetRequiredService<OrderTiming>().MaxSendDelay, Is.EqualTo(TimeSpan.FromSeconds(7)), "the application registration read Exchange:MaxSendDelay");
            Assert.That(provider.GetRequiredService<IExchange>().Name.Value, Is.EqualTo("PAPER"), "Exchange:Kind defaults to the paper exchange");
        });
    }

    private LedgerSettings Registered(IConfiguration configuration, LedgerAccess access) =>
        new ServiceCollection().AddTradingBotLedger(configuration, access, _folder).Registered<LedgerSettings>();

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
