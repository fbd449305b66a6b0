using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence.Tests.Support;
using TradingBot.Infrastructure.Postgres;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Postgres;

/// <summary>The lease contract on a PostgreSQL ledger: an advisory lock held by a connection of its own.</summary>
[TestFixture]
public sealed class PostgresLease : LeaseContract
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => TestServers.NewPostgresLedgerAsync();

    protected override ILedgerLease NewLease(string connectionString) => new PostgresLedgerLease(connectionString);

    // The server ends the lease's connection, as a network cut or a failover would.
    protected override async Task EndHolderAsync(ILedgerLease holder)
    {
        var ended = await Db.ScalarAsync(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid, 5000) AS ended FROM pg_stat_activity " +
            $"WHERE datname = current_database() AND application_name = '{PostgresLedgerLease.ApplicationName}') AS cut WHERE ended");
        Assert.That(ended, Is.EqualTo(1), "the holder's lease connection was ended");
    }
}
