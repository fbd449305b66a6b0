using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TradingBot.Application.Ports;
using TradingBot.Domain.Audit;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>
/// The execution strategy's back-off between attempts is waited on the host's <see cref="TimeProvider"/> service: a host
/// on virtual time (a test, the simulator) spends none of it in real time, and the clock it registered shows the wait.
/// </summary>
[TestFixture]
public sealed class RetryBackOffOnTheHostsClock
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task A_unit_that_fails_transiently_twice_waits_its_back_off_on_the_hosts_clock_and_then_commits()
    {
        await using var db = TestServers.NewSqliteLedger();
        var clock = new ClockThatMovesToEachTimer(T0);
        var busy = new BusyTwice();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<IInterceptor>(busy);
        services.AddSqliteLedger(db.ConnectionString);
        await using var provider = services.BuildServiceProvider();
        var decision = AuditEvent.Create(AuditEventType.Decision, T0, ("symbol", "BTCUSDT"), ("decision", "hold (flat)"));

        await provider.GetRequiredService<IUnitOfWork>().ExecuteAsync(
            async (session, ct) =>
            {
                await session.Audit.AppendAsync(decision, ct);
                return true;
            },
            CancellationToken.None);

        var stored = await db.Ledger.ReadAsync((session, ct) => session.Audit.ContainsAsync(decision.Id, ct), CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(busy.Failed, Is.EqualTo(2));
            Assert.That(stored, Is.True, "the third attempt committed");

            // EF Core's back-off: none before the first re-run, about a second before the second.
            Assert.That(clock.Waits, Has.Count.EqualTo(1));
            Assert.That(clock.Waits[0], Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)).And.LessThanOrEqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(clock.GetUtcNow() - T0, Is.EqualTo(clock.Waits[0]), "the wait passed on the host's clock");
        }
    }

    // A virtual clock: each timer fires as it is made, the clock moving to its due time.
    private sealed class ClockThatMovesToEachTimer(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public List<TimeSpan> Waits { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
            {
                Waits.Add(dueTime);
                Advance(dueTime);
            }

            return timer;
        }
    }

    // SQLite busy on the first two commands, before they run.
    private sealed class BusyTwice : DbCommandInterceptor
    {
        public int Failed { get; private set; }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            FailTwice();
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            FailTwice();
            return ValueTask.FromResult(result);
        }

        private void FailTwice()
        {
            if (Failed < 2)
            {
                Failed++;
                throw new SqliteException("database is locked (injected)", 5);
            }
        }
    }
}
