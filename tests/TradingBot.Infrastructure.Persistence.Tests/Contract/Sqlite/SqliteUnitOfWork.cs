using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Sqlite;

/// <summary>The unit of work contract on a real SQLite file.</summary>
[TestFixture]
public sealed class SqliteUnitOfWork : UnitOfWorkContract
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => Task.FromResult(TestServers.NewSqliteLedger());
}
