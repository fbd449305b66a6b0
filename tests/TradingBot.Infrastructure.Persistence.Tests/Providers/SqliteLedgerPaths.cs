using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>One SQLite ledger file has one canonical path, however a connection string names it.</summary>
[TestFixture]
public sealed class SqliteLedgerPaths
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("tradingbot-paths-").FullName;
        Directory.CreateDirectory(Path.Combine(_folder, "data"));
        Directory.CreateSymbolicLink(Path.Combine(_folder, "link"), Path.Combine(_folder, "data"));
        Directory.CreateSymbolicLink(Path.Combine(_folder, "chain"), Path.Combine(_folder, "link"));
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    [TestCase("data/ledger.db")]
    [TestCase("./data/ledger.db")]
    [TestCase("data/../data/ledger.db")]
    [TestCase("file:data/ledger.db")]
    [TestCase("link/ledger.db")]
    [TestCase("chain/ledger.db")]
    public void Every_spelling_of_the_file_gives_one_path(string dataSource)
    {
        Assert.That(SqliteLedgerPath.Canonical(dataSource, _folder), Is.EqualTo(Path.Combine(_folder, "data", "ledger.db")));
    }

    [Test]
    public void An_absolute_path_and_a_file_uri_with_an_empty_host_are_the_same_file()
    {
        var absolute = Path.Combine(_folder, "data", "ledger.db");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(SqliteLedgerPath.Canonical(absolute, "/elsewhere"), Is.EqualTo(absolute));
            Assert.That(SqliteLedgerPath.Canonical("file://" + absolute, "/elsewhere"), Is.EqualTo(absolute));
            Assert.That(SqliteLedgerPath.Canonical("file://localhost" + absolute, "/elsewhere"), Is.EqualTo(absolute));
        }
    }

    [Test]
    public void A_relative_path_is_taken_against_the_base_folder_not_the_working_directory()
    {
        Assert.That(SqliteLedgerPath.Canonical("data/ledger.db", "/srv/bot"), Is.EqualTo("/srv/bot/data/ledger.db"));
    }

    [TestCase("file:data/ledger.db?nolock=1")]
    [TestCase("file:data/ledger.db?mode=ro")]
    [TestCase("file://otherhost/data/ledger.db")]
    public void A_uri_with_parameters_or_another_host_is_refused(string dataSource)
    {
        Assert.That(() => SqliteLedgerPath.Canonical(dataSource, _folder), Throws.ArgumentException);
    }

    [TestCase("Data Source=:memory:")]
    [TestCase("Data Source=ledger;Mode=Memory")]
    [TestCase("Data Source=file:ledger?mode=memory")]
    public void An_in_memory_ledger_is_refused(string connectionString)
    {
        Assert.That(() => SqliteLedger.PrepareConnectionString(connectionString, _folder), Throws.ArgumentException.With.Message.Contains("in-memory"));
    }
}
