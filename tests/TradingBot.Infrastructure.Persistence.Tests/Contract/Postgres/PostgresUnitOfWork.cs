using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Postgres;

/// <summary>The unit of work contract on a real PostgreSQL database.</summary>
[TestFixture]
public sealed class PostgresUnitOfWork : UnitOfWorkContract
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => TestServers.NewPostgresLedgerAsync();
}
