using TradingBot.Infrastructure.Postgres;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>
/// A connection string is shown only through its provider's own builder, with every password removed whatever its
/// spelling or quoting; a string the builder cannot read is never echoed. Each case hides a canary and looks for it.
/// </summary>
[TestFixture]
public sealed class ConnectionStringDescriptions
{
    private const string Canary = "c4n4ry-s3cr3t";

    [TestCase("Host=db.example.com;Database=tradingbot;Username=bot;Password=" + Canary)]
    [TestCase("Host=db.example.com;Username=bot;Pwd=" + Canary)]
    [TestCase("Host=db.example.com;Username=bot;PSW=" + Canary)]
    [TestCase("Host=db.example.com;Username=bot;password=" + Canary)]
    [TestCase("Host=db.example.com;Username=bot;Password=\"a;b;" + Canary + "\"")]
    [TestCase("Host=db.example.com;Username=bot;Password='x;" + Canary + "'")]
    [TestCase("Host=db.example.com;Username=bot;SSL Password=" + Canary)]
    public void A_postgres_password_is_never_shown_whatever_its_spelling_or_quoting(string connectionString)
    {
        var description = PostgresLedger.Describe(connectionString);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(description, Does.Not.Contain(Canary).And.Not.Contain("a;b"));
            Assert.That(description, Does.StartWith("Postgres (").And.Contain("Host=db.example.com"));
        }
    }

    [TestCase("Host=db;Password=" + Canary + ";Foo")]
    [TestCase("Host=db;Pasword=" + Canary)]
    [TestCase("Host=db;Port=" + Canary)]
    [TestCase("\"" + Canary)]
    public void A_postgres_string_npgsql_cannot_read_is_never_echoed_by_the_description_or_the_refusal(string connectionString)
    {
        var description = PostgresLedger.Describe(connectionString);
        var refusal = Assert.Throws<ArgumentException>(() => PostgresLedger.PrepareConnectionString(connectionString));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(description, Does.StartWith("Postgres (a connection string Npgsql cannot read"));
            Assert.That(description, Does.Not.Contain(Canary));
            Assert.That(refusal!.Message, Does.Not.Contain(Canary).And.Contain("malformed"));
        }
    }

    [Test]
    public void A_sqlite_password_is_never_shown()
    {
        var description = SqliteLedger.Describe("Data Source=data/ledger.db;Password=" + Canary);

        Assert.That(description, Does.Not.Contain(Canary).And.Contain("data/ledger.db"));
    }

    [Test]
    public void A_sqlite_string_the_builder_cannot_read_is_never_echoed()
    {
        var description = SqliteLedger.Describe("Data Source=x;Cache=" + Canary);

        Assert.That(description, Does.Not.Contain(Canary).And.StartWith("SQLite (a connection string"));
    }
}
