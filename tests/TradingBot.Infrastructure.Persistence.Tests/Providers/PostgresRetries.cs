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

/// <summary>Postgres only: whole units of work are retried without duplicates (the query plans are in <see cref="RepositoryQueryPlans"/>).</summary>
[TestFixture]
public sealed class PostgresRetries
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
}
