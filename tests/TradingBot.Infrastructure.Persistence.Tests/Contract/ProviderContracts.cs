using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>The ledger contract on a real SQLite file.</summary>
[TestFixture]
public sealed class SqliteLedgerContract : LedgerContract
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => Task.FromResult(TestServers.NewSqliteLedger());
}

/// <summary>The ledger contract on a real PostgreSQL database.</summary>
[TestFixture]
public sealed class PostgresLedgerContract : LedgerContract
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => TestServers.NewPostgresLedgerAsync();
}
