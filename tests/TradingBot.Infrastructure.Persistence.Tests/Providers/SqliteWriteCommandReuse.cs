using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>Write command reuse on SQLite.</summary>
[TestFixture]
public sealed class SqliteWriteCommandReuse : WriteCommandReuse
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => Task.FromResult(TestServers.NewSqliteLedger());
}
