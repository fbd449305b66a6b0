using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Sqlite;

/// <summary>The orders and halts contract on a real SQLite file.</summary>
[TestFixture]
public sealed class SqliteOrdersAndHalts : OrdersAndHaltsContract
{
    protected override Task<ILedgerUnderTest> NewLedgerAsync() => Task.FromResult<ILedgerUnderTest>(TestServers.NewSqliteLedger());
}
