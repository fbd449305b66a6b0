using Microsoft.Data.Sqlite;
using Npgsql;

namespace TradingBot.Host.Worker.Tests;

/// <summary>The ledger provider is one configuration value: `migrate` builds the same ledger on either.</summary>
[TestFixture]
public sealed class ProviderSwitch
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly string[] LedgerTables =
        ["audit_log", "fills", "funding_payments", "funding_snapshots", "orders", "positions", "state_snapshots"];

    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("tradingbot-host-").FullName;

    [TearDown]
    public void RemoveFolder()
    {
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Migrate_with_nothing_configured_creates_the_sqlite_ledger_under_data()
    {
        var result = await WorkerProcess.RunAsync(_folder, new Dictionary<string, string>(), Timeout, "migrate");

        var file = Path.Combine(_folder, "data", "ledger.db");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.Zero, result.Output + result.Error);
            Assert.That(File.Exists(file), Is.True);
            Assert.That(await SqliteTablesAsync(file), Is.SupersetOf(LedgerTables));
        }
    }

    [Test]
    public async Task Migrate_twice_is_a_no_op()
    {
        await WorkerProcess.RunAsync(_folder, new Dictionary<string, string>(), Timeout, "migrate");

        var second = await WorkerProcess.RunAsync(_folder, new Dictionary<string, string>(), Timeout, "migrate");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.ExitCode, Is.Zero, second.Output + second.Error);
            Assert.That(second.Output, Does.Contain("up to date"));
        }
    }

    [Test]
    public async Task Migrate_with_only_the_provider_and_connection_string_set_creates_the_adr_schema_in_postgres()
    {
        var name = $"host_{Guid.NewGuid():N}";
        var connectionString = await TestServers.Postgres.CreateDatabaseAsync(name);
        try
        {
            var result = await WorkerProcess.RunAsync(
                _folder,
                new Dictionary<string, string> { ["Ledger__Provider"] = "Postgres", ["ConnectionStrings__Ledger"] = connectionString },
                Timeout,
                "migrate");

            using (Assert.EnterMultipleScope())
            {
                Assert.That(result.ExitCode, Is.Zero, result.Output + result.Error);
                Assert.That(await PostgresTablesAsync(connectionString), Is.SupersetOf(LedgerTables));
                Assert.That(Directory.Exists(Path.Combine(_folder, "data")), Is.False, "nothing is written to SQLite");
                Assert.That(result.Output, Does.Not.Contain("Password="), "the connection string's password is never logged");
            }
        }
        finally
        {
            await TestServers.Postgres.DropDatabaseAsync(name);
        }
    }

    [TestCase("Mongo")]
    [TestCase("SqlServer")]
    [TestCase("1")]
    [TestCase("Sqlite,Postgres")]
    public async Task An_unknown_provider_stops_with_a_message_naming_the_setting(string provider)
    {
        var result = await WorkerProcess.RunAsync(_folder, new Dictionary<string, string> { ["Ledger__Provider"] = provider }, Timeout, "migrate");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.Error, Does.Contain("Ledger:Provider").And.Contain(provider));
            Assert.That(Directory.Exists(Path.Combine(_folder, "data")), Is.False, "nothing is written");
        }
    }

    [TestCase("Sqlite", "Data Source=data/x.db;Cache=Sometimes")]
    [TestCase("Sqlite", "Data Source=data/x.db;Cache=Shared")]
    [TestCase("Postgres", "Host=;Foo")]
    [TestCase("Postgres", "")]
    public async Task A_malformed_connection_string_stops_with_a_message_naming_the_setting(string provider, string connectionString)
    {
        var result = await WorkerProcess.RunAsync(
            _folder,
            new Dictionary<string, string> { ["Ledger__Provider"] = provider, ["ConnectionStrings__Ledger"] = connectionString },
            Timeout,
            "migrate");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Output + result.Error);
            Assert.That(result.Error, Does.Contain("ConnectionStrings:Ledger"));
            Assert.That(Directory.Exists(Path.Combine(_folder, "data")), Is.False, "nothing is written");
        }
    }

    private static async Task<List<string>> SqliteTablesAsync(string file)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        return await ReadAllAsync(command);
    }

    private static async Task<List<string>> PostgresTablesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'";
        return await ReadAllAsync(command);
    }

    private static async Task<List<string>> ReadAllAsync(System.Data.Common.DbCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
