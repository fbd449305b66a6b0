using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TradingBot.Application.Orders;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Amounts;
using TradingBot.Infrastructure.Persistence.Repositories;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>Postgres only: whole units of work are retried without duplicates, and the ADR's indexes serve its queries.</summary>
[TestFixture]
public sealed class PostgresRetriesAndPlans
{
    private static readonly ExchangeName Binance = new("BINANCE");
    private static readonly Symbol BtcUsdt = new("BTCUSDT");
    private LedgerTestDatabase _db = null!;

    [SetUp]
    public async Task CreateAsync() => _db = await TestServers.NewPostgresLedgerAsync();

    [TearDown]
    public async Task DropAsync() => await _db.DisposeAsync();

    public static IEnumerable<TestCaseData> TransientFailures()
    {
        yield return new TestCaseData(new Func<Exception>(() => new PostgresException("could not serialize access", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure))).SetName("serialization failure 40001");
        yield return new TestCaseData(new Func<Exception>(() => new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected))).SetName("deadlock 40P01");
        yield return new TestCaseData(new Func<Exception>(() => new NpgsqlException("Exception while reading from stream", new IOException("connection reset")))).SetName("connection loss");
    }

    [TestCaseSource(nameof(TransientFailures))]
    public async Task A_transient_failure_before_commit_reruns_the_whole_unit_of_work(Func<Exception> failure)
    {
        _db.Faults.FailCommits(failure, afterCommit: false);

        var created = await CreateWithDecisionAsync(NewOrder());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_db.Faults.CommitsFaulted, Is.EqualTo(1));
            Assert.That(created, Is.True);
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM orders"), Is.EqualTo(1));
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(1));
        }
    }

    [TestCaseSource(nameof(TransientFailures))]
    public async Task A_commit_whose_outcome_was_lost_is_rerun_without_writing_twice(Func<Exception> failure)
    {
        _db.Faults.FailCommits(failure, afterCommit: true);

        var createdByRerun = await CreateWithDecisionAsync(NewOrder());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_db.Faults.CommitsFaulted, Is.EqualTo(1));
            Assert.That(createdByRerun, Is.False, "the re-run finds the order the lost commit wrote");
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM orders"), Is.EqualTo(1));
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task The_adr_funding_query_over_the_last_24_hours_uses_its_index()
    {
        await _db.ExecuteAsync("""
            INSERT INTO funding_snapshots (id, exchange, symbol, funding_rate_bps, mark_price_quote, index_price_quote, snapshot_at)
            SELECT gen_random_uuid(), 'BINANCE', s, (g % 2000) - 1000, 6400000000000 + g, 6400000000000, NOW() - (g * 5 || ' seconds')::interval
            FROM generate_series(1, 60000) g, unnest(ARRAY['BTCUSDT','ETHUSDT','SOLUSDT','BNBUSDT','XRPUSDT']) s;
            ANALYZE funding_snapshots;
            """);

        var plan = await ExplainAsync("""
            SELECT snapshot_at, funding_rate_bps, mark_price_quote
            FROM funding_snapshots
            WHERE exchange = 'BINANCE' AND symbol = 'BTCUSDT' AND snapshot_at >= NOW() - INTERVAL '24 hours'
            ORDER BY snapshot_at DESC
            """);

        using (Assert.EnterMultipleScope())
        {
            // Snapshots every 5 s over 83 hours: the last 24 hours are under a third of each symbol's rows.
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM funding_snapshots WHERE symbol = 'BTCUSDT' AND snapshot_at < NOW() - INTERVAL '24 hours'"), Is.GreaterThan(40_000));
            Assert.That(plan, Does.Match(@"(Index (Only )?Scan[^\n]* using|Bitmap Index Scan on) idx_funding_snapshots_symbol_snapshot_at\b"), plan);
            Assert.That(plan, Does.Match(@"Index Cond: [^\n]*symbol = 'BTCUSDT'[^\n]*snapshot_at >="), "the index serves the time range too: " + plan);
            Assert.That(plan, Does.Not.Contain("Seq Scan"), plan);
        }
    }

    [Test]
    public async Task Recording_a_fill_in_the_steady_state_is_one_round_trip_a_write_batch_that_commits_itself()
    {
        var (result, firstFill, commands, transactions) = await RecordFillTraffic.SecondFillAsync(_db);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(firstFill, Has.Count.EqualTo(2), "the first fill of a new position reads, then writes: " + string.Join("\n---\n", firstFill));
            Assert.That(firstFill[0], Does.StartWith("SELECT"));
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(commands, Has.Count.EqualTo(1), string.Join("\n---\n", commands));
            Assert.That(transactions, Is.Zero, "no BEGIN and no COMMIT round trip: the batch is one implicit transaction");
            Assert.That(commands[0], Does.Contain("INSERT INTO fills").And.Contain("INSERT INTO audit_log").And.Contain("ledger_expect_one_row"));
            Assert.That(commands[0], Does.StartWith("WITH \"w0\" AS (INSERT INTO fills").And.Not.Contain(";"), "one statement, each write a data-modifying CTE: " + commands[0]);
            Assert.That(commands[0], Does.Match(@" AND quantity_base = \$\d+").And.Match(@" AND side = \$\d+").And.Match(@" AND net_quantity_base = \$\d+").And.Match(@" AND version = \$\d+"), "the updates expect every value they were computed from, bound to positional parameters");
        }
    }

    public static IEnumerable<TestCaseData> LostAnswersOfRememberedFills() =>
        TransientFailures().Select(c => new TestCaseData(c.Arguments).SetName($"A fill recorded from memory whose commit answer was lost ({c.TestName}) is not recorded twice"));

    [TestCaseSource(nameof(LostAnswersOfRememberedFills))]
    public async Task A_fill_recorded_from_memory_whose_commit_answer_was_lost_is_not_recorded_twice(Func<Exception> failure)
    {
        var (_, orderId) = await TwoFillsAsync();
        _db.Faults.FailCommits(failure, afterCommit: true);

        var lost = await RecordFillAsync(orderId, "lost-3");
        var next = await RecordFillAsync(orderId, "lost-4");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_db.Faults.CommitsFaulted, Is.EqualTo(1));
            Assert.That(lost.Status, Is.EqualTo(RecordFillStatus.Recorded), "the unit finds the fill its lost commit wrote, and answers as that commit would have");
            Assert.That(next.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(4));
            Assert.That(await _db.ScalarAsync("SELECT fill_count FROM positions"), Is.EqualTo(4));
            Assert.That(await _db.ScalarAsync("SELECT filled_quantity_base FROM orders"), Is.EqualTo(40_000_000));
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE event_type = 'FILL'"), Is.EqualTo(4));
        }
    }

    private async Task<(Order Order, OrderId Id)> TwoFillsAsync()
    {
        var order = NewOrder();
        await _db.Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Orders.CreateAsync(order, ct);
                order.AssignExchangeOrderId($"x-{order.Id}", order.CreatedAt);
                order.TransitionTo(OrderStatus.Open, order.CreatedAt);
                await s.Orders.UpdateAsync(order, ct);
                return 0;
            },
            CancellationToken.None);
        await RecordFillAsync(order.Id, "lost-1");
        await RecordFillAsync(order.Id, "lost-2");
        return (order, order.Id);
    }

    private Task<RecordFillResult> RecordFillAsync(OrderId orderId, string fillId) =>
        new RecordFill(_db.Ledger, new SystemClock(TimeProvider.System)).ExecuteAsync(
            new Fill(
                new ExchangeFillId(fillId),
                orderId,
                Price.Parse("100"),
                Quantity.Parse("0.1"),
                new Money(new Asset("USDT"), Amount.Parse("0.01")),
                DateTimeOffset.UtcNow),
            CancellationToken.None);

    [Test]
    public async Task The_repository_open_and_pending_order_queries_use_the_partial_status_index()
    {
        await _db.ExecuteAsync("""
            INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, idempotency_key, filled_quantity_base, created_at)
            SELECT gen_random_uuid(), 'BINANCE', 'BTCUSDT', 'SELL', 'MARKET', 100000000,
                   CASE WHEN g % 5000 = 0 THEN 'OPEN' WHEN g % 5000 = 1 THEN 'PENDING' WHEN g % 5000 = 2 THEN 'PARTIALLY_FILLED' ELSE 'FILLED' END,
                   'tb-' || g, CASE WHEN g % 5000 IN (0, 1) THEN 0 WHEN g % 5000 = 2 THEN 50000000 ELSE 100000000 END, NOW() - (g || ' seconds')::interval
            FROM generate_series(1, 100000) g;
            ANALYZE orders;
            """);
        await using var context = await _db.Contexts.CreateDbContextAsync();

        var openPlan = await ExplainAsync(OrderRepository.OpenOrdersQuery(context).ToQueryString());
        var pendingPlan = await ExplainAsync(OrderRepository.PendingOrdersQuery(context).ToQueryString());

        using (Assert.EnterMultipleScope())
        {
            // The ADR's idx_orders_status (OPEN and PENDING) by its whole name, and the ledger's own for PARTIALLY_FILLED.
            Assert.That(openPlan, Does.Match(@"using idx_orders_status on orders"), openPlan);
            Assert.That(openPlan, Does.Match(@"using idx_orders_status_partially_filled on orders"), openPlan);
            Assert.That(openPlan, Does.Not.Contain("Seq Scan on orders"), openPlan);
            Assert.That(pendingPlan, Does.Match(@"using idx_orders_status on orders"), pendingPlan);
            Assert.That(pendingPlan, Does.Not.Contain("Seq Scan on orders"), pendingPlan);
        }
    }

    private static Order NewOrder() => Order.CreatePending(
        OrderId.New(), Binance, BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("1"), null,
        IdempotencyKey.For(new TradingIntent("retry-test", Binance, BtcUsdt, DateTimeOffset.UnixEpoch, "open")), DateTimeOffset.UtcNow);

    // The shape of PlaceOrder's intent transaction: the order, and its DECISION event only when this run created it.
    private Task<bool> CreateWithDecisionAsync(Order order) => _db.Ledger.ExecuteAsync(
        async (session, ct) =>
        {
            var creation = await session.Orders.CreateAsync(order, ct);
            if (creation.Created)
            {
                await session.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, DateTimeOffset.UtcNow, ("key", order.IdempotencyKey.Value)), ct);
            }

            return creation.Created;
        },
        CancellationToken.None);

    private async Task<string> ExplainAsync(string sql)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN " + sql;
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
