using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Sqlite;

/// <summary>The database constraints contract on a real SQLite file.</summary>
[TestFixture]
public sealed class SqliteDatabaseConstraints : DatabaseConstraintsContract
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => Task.FromResult(TestServers.NewSqliteLedger());
}
