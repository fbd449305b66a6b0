using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>SQLite only: pragmas, JSON checks, and timestamps stored so SQL can order them.</summary>
[TestFixture]
public sealed class SqliteSpecifics
{
    private LedgerTestDatabase _db = null!;

    [SetUp]
    public void Create() => _db = TestServers.NewSqliteLedger();

    [TearDown]
    public async Task DropAsync() => await _db.DisposeAsync();

    [Test]
    public async Task Ledger_connections_run_in_wal_with_full_sync_foreign_keys_and_a_busy_timeout()
    {
        await using var db = await _db.Contexts.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await PragmaAsync(connection, "journal_mode"), Is.EqualTo("wal"));
            Assert.That(await PragmaAsync(connection, "synchronous"), Is.EqualTo("2"));
            Assert.That(await PragmaAsync(connection, "foreign_keys"), Is.EqualTo("1"));
            Assert.That(long.Parse(await PragmaAsync(connection, "busy_timeout"), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(5000));
        }
    }

    [Test]
    public async Task Recording_a_fill_is_one_read_then_one_write_batch_in_a_transaction_that_takes_the_write_lock()
    {
        var (result, commands, transactions) = await RecordFillTraffic.SecondFillAsync(_db);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(TradingBot.Application.Orders.RecordFillStatus.Recorded));
            Assert.That(commands, Has.Count.EqualTo(2), string.Join("\n---\n", commands));
            Assert.That(transactions, Is.EqualTo(1), "BEGIN IMMEDIATE ... COMMIT around the write batch only");
            Assert.That(commands[0], Does.StartWith("SELECT"));
            Assert.That(commands[1], Does.Contain("INSERT INTO \"fills\"").And.Contain("UPDATE \"positions\""));
        }
    }

    [TestCase("state_snapshots", "snapshot")]
    [TestCase("audit_log", "event_data")]
    public void Json_columns_refuse_text_that_is_not_a_json_object(string table, string column)
    {
        var extra = table == "state_snapshots" ? ", reconciled_at" : ", event_type";
        var extraValue = table == "state_snapshots" ? ", '2026-11-20 08:00:00.000000'" : ", 'ERROR'";

        var exception = Assert.CatchAsync<SqliteException>(() => _db.ExecuteAsync($"INSERT INTO {table} (id, {column}{extra}) VALUES ('{Guid.NewGuid()}', 'not json'{extraValue})"));

        Assert.That(exception!.Message, Does.Contain("CHECK constraint failed"));
    }

    [Test]
    public async Task Timestamps_are_fixed_width_utc_text_so_text_order_is_time_order()
    {
        await _db.ExecuteAsync($"INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, filled_quantity_base) VALUES ('{Guid.NewGuid()}', 'BINANCE', 'BTCUSDT', 'BUY', 'MARKET', 1, 'OPEN', 0)");
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT typeof(created_at), created_at FROM orders";
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reader.GetString(0), Is.EqualTo("text"));
            Assert.That(reader.GetString(1), Does.Match(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3,6}$"));
        }
    }

    private static async Task<string> PragmaAsync(System.Data.Common.DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
