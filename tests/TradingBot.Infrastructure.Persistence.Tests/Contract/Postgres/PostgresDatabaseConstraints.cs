using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Postgres;

/// <summary>The database constraints contract on a real PostgreSQL database.</summary>
[TestFixture]
public sealed class PostgresDatabaseConstraints : DatabaseConstraintsContract
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => TestServers.NewPostgresLedgerAsync();
}
