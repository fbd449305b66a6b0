using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Postgres;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>
/// The ledger lease of each provider: one holder at a time, and a lease given back is free when ReleaseAsync returns,
/// so a standby (or the simulator's second worker) takes it at once, every time.
/// </summary>
[TestFixture("Sqlite")]
[TestFixture("Postgres")]
public sealed class LeaseHandover(string provider)
{
    [Test]
    public async Task A_released_lease_is_free_for_the_next_worker_as_soon_as_the_release_returns()
    {
        await using var db = provider == "Sqlite" ? TestServers.NewSqliteLedger() : await TestServers.NewPostgresLedgerAsync();
        ILedgerLease Lease() => provider == "Sqlite" ? new SqliteLedgerLease(db.ConnectionString) : new PostgresLedgerLease(db.ConnectionString);
        await using var first = Lease();
        await using var second = Lease();

        for (var round = 0; round < 20; round++)
        {
            var (holder, standby) = round % 2 == 0 ? (first, second) : (second, first);
            Assert.That(await holder.TryAcquireAsync(CancellationToken.None), Is.True, $"round {round}: the lease was free");
            Assert.That(await standby.TryAcquireAsync(CancellationToken.None), Is.False, $"round {round}: two holders");
            Assert.That(await holder.IsHeldAsync(CancellationToken.None), Is.True, $"round {round}");

            await holder.ReleaseAsync();

            Assert.That(await holder.IsHeldAsync(CancellationToken.None), Is.False, $"round {round}: released");
        }
    }
}
