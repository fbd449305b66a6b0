using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Postgres;

/// <summary>The hand edits contract on a real PostgreSQL database.</summary>
[TestFixture]
public sealed class PostgresHandEdits : HandEditsContract
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => TestServers.NewPostgresLedgerAsync();
}
