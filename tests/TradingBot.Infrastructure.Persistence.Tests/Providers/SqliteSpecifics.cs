using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence.Tests.Support;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>SQLite only: pragmas, JSON checks, and timestamps stored so SQL can order them.</summary>
[TestFixture]
public sealed class SqliteSpecifics
{
    private static readonly ExchangeName Binance = new("BINANCE");
    private static readonly Symbol BtcUsdt = new("BTCUSDT");
    private LedgerTestDatabase _db = null!;

    [SetUp]
    public void Create() => _db = TestServers.NewSqliteLedger();

    [TearDown]
    public async Task DropAsync() => await _db.DisposeAsync();

    [Test]
    public async Task Every_unit_of_work_gets_the_whole_retry_budget_however_often_earlier_units_on_its_context_were_retried()
    {
        // A context keeps its execution strategy between units (the strategy code is the same on every provider; SQLite's
        // shorter retry delays keep this test quick). Three units, each failing four times before its commit: the third
        // runs on the first one's context, and had it counted that unit's four failures as its own, its fourth would have
        // been one more than the six re-runs a unit may take.
        for (var unit = 0; unit < 3; unit++)
        {
            _db.Faults.FailCommits(() => new DbUpdateConcurrencyException("injected: a row changed meanwhile"), afterCommit: false, times: 4);
            var order = Order.CreatePending(
                OrderId.New(), Binance, BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("1"), null,
                IdempotencyKey.For(new TradingIntent("retry-budget", Binance, BtcUsdt, DateTimeOffset.UnixEpoch, $"unit-{unit}")), DateTimeOffset.UtcNow);
            await _db.Ledger.ExecuteAsync((session, ct) => session.Orders.CreateAsync(order, ct), CancellationToken.None);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_db.Faults.CommitsFaulted, Is.EqualTo(12));
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM orders"), Is.EqualTo(3));
        }
    }

    [TestCase("Data Source=ledger.db;Cache=Shared")]
    [TestCase("Data Source=file:ledger?mode=memory&cache=shared")]
    public void A_shared_cache_is_refused_with_a_message_naming_it(string connectionString)
    {
        var error = Assert.Throws<ArgumentException>(() => SqliteLedger.PrepareConnectionString(connectionString));

        Assert.That(error!.Message, Does.Contain("shared cache"));
    }

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
    public async Task Recording_a_fill_in_the_steady_state_is_one_write_batch_in_a_transaction_that_takes_the_write_lock()
    {
        var (result, firstFill, commands, transactions) = await RecordFillTraffic.SecondFillAsync(_db);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(firstFill, Has.Count.EqualTo(2), "the first fill of a new position reads, then writes: " + string.Join("\n---\n", firstFill));
            Assert.That(firstFill[0], Does.StartWith("SELECT"));
            Assert.That(result.Status, Is.EqualTo(TradingBot.Application.Orders.RecordFillStatus.Recorded));
            Assert.That(commands, Has.Count.EqualTo(1), string.Join("\n---\n", commands));
            Assert.That(transactions, Is.EqualTo(1), "BEGIN IMMEDIATE ... COMMIT around the write batch");
            Assert.That(commands[0], Does.Contain("INSERT INTO \"fills\"").And.Contain("UPDATE \"positions\""));
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

    [Test]
    public async Task One_writer_keeps_working_on_one_open_connection_whose_statements_stay_compiled()
    {
        await RecordFillTraffic.SecondFillAsync(_db);
        SqliteConnection connection;
        await using (var db = await _db.Contexts.CreateDbContextAsync())
        {
            connection = (SqliteConnection)db.Database.GetDbConnection();
        }

        var (queries, writes) = (SqliteStatementCache.Instance.CountFor(connection), Writes.WriteCommandCache.CountFor(connection));
        await RecordFillTraffic.SecondFillAsync(_db);
        await using var again = await _db.Contexts.CreateDbContextAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again.Database.GetDbConnection(), Is.SameAs(connection), "the connection used last is lent first");
            Assert.That(connection.State, Is.EqualTo(System.Data.ConnectionState.Open));
            Assert.That(queries, Is.GreaterThanOrEqualTo(2), "the order's reads are kept compiled");
            Assert.That(writes, Is.GreaterThanOrEqualTo(3), "creating the order, the first fill's and the next fill's batches are kept");
            Assert.That(SqliteStatementCache.Instance.CountFor(connection), Is.EqualTo(queries), "the same work again compiles no new query");
            Assert.That(Writes.WriteCommandCache.CountFor(connection), Is.EqualTo(writes), "the same work again makes no new write command");
        }
    }

    [Test]
    public async Task Concurrent_units_of_work_each_get_a_kept_connection_of_their_own()
    {
        var contexts = (SqliteLedgerContextFactory)_db.Contexts;
        var first = contexts.CreateDbContext();
        var second = contexts.CreateDbContext();
        var (a, b) = (first.Database.GetDbConnection(), second.Database.GetDbConnection());
        await first.DisposeAsync();
        await second.DisposeAsync();
        using var third = contexts.CreateDbContext();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(a, Is.Not.SameAs(b));
            Assert.That(contexts.KeptConnections, Is.EqualTo(2));
            Assert.That(third.Database.GetDbConnection(), Is.SameAs(b), "the connection given back last is lent first");
        }
    }

    [Test]
    public async Task Kept_connections_close_when_the_ledger_is_disposed()
    {
        var database = TestServers.NewSqliteLedger();
        SqliteConnection connection;
        await using (var db = await database.Contexts.CreateDbContextAsync())
        {
            connection = (SqliteConnection)db.Database.GetDbConnection();
            await db.Database.ExecuteSqlRawAsync("SELECT 1");
        }

        Assert.That(connection.State, Is.EqualTo(System.Data.ConnectionState.Open));
        await database.DisposeAsync();
        Assert.That(connection.State, Is.EqualTo(System.Data.ConnectionState.Closed));
    }

    [Test]
    public async Task A_statement_still_being_read_is_not_reused_for_a_second_run_of_the_same_sql()
    {
        for (var i = 0; i < 3; i++)
        {
            await _db.ExecuteAsync($"INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, filled_quantity_base) VALUES ('{Guid.NewGuid()}', 'BINANCE', 'BTCUSDT', 'BUY', 'MARKET', 1, 'OPEN', 0)");
        }

        await using var db = await _db.Contexts.CreateDbContextAsync();
        var inner = new List<int>();
        var outer = 0;
        await foreach (var _ in db.Orders.AsNoTracking().AsAsyncEnumerable())
        {
            outer++;
            inner.Add((await db.Orders.AsNoTracking().ToListAsync()).Count);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outer, Is.EqualTo(3));
            Assert.That(inner, Is.EqualTo(Enumerable.Repeat(3, 3)));
        }
    }

    [Test]
    public async Task Several_statements_in_one_command_run_one_by_one_each_with_its_own_parameters()
    {
        await using var db = await _db.Contexts.CreateDbContextAsync();
        const string Sql = """
            INSERT INTO audit_log (id, event_type, event_data) VALUES (@a, 'A;B; END;', @first);
            INSERT INTO audit_log (id, event_type, event_data) VALUES (@b, 'DECISION', @second)
            """;
        SqliteParameter[] parameters = [new("@a", ""), new("@b", ""), new("@first", "{\"n\":1}"), new("@second", "")];

        async Task<int> RunAsync(string note)
        {
            parameters[0].Value = Guid.NewGuid().ToString("D");
            parameters[1].Value = Guid.NewGuid().ToString("D");
            parameters[3].Value = $"{{\"note\":\"{note}\"}}";
            return await db.Database.ExecuteSqlRawAsync(Sql, parameters.Cast<object>());
        }

        var first = await RunAsync("second");
        var second = await RunAsync("third");

        using (Assert.EnterMultipleScope())
        {
            Assert.That((first, second), Is.EqualTo((2, 2)));
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE event_type = 'A;B; END;'"), Is.EqualTo(2), "a semicolon inside a literal does not end a statement");
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE event_type = 'DECISION' AND json_extract(event_data, '$.note') IN ('second', 'third')"), Is.EqualTo(2));
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(4));
        }
    }

    [Test]
    public async Task Past_its_capacity_the_statement_cache_starts_over_and_every_statement_still_answers()
    {
        await using var db = await _db.Contexts.CreateDbContextAsync();
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var answers = new List<int>();
        for (var i = 0; i < SqliteStatementCache.Capacity + 10; i++)
        {
            var distinct = "SELECT " + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + " AS \"Value\"";
            answers.Add(await db.Database.SqlQueryRaw<int>(distinct).SingleAsync());
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(answers, Is.EqualTo(Enumerable.Range(0, SqliteStatementCache.Capacity + 10)));
            Assert.That(SqliteStatementCache.Instance.CountFor(connection), Is.LessThanOrEqualTo(SqliteStatementCache.Capacity));
        }
    }

    private static async Task<string> PragmaAsync(System.Data.Common.DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
