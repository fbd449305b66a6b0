using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>Write command reuse on Postgres.</summary>
[TestFixture]
public sealed class PostgresWriteCommandReuse : WriteCommandReuse
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => TestServers.NewPostgresLedgerAsync();
}
