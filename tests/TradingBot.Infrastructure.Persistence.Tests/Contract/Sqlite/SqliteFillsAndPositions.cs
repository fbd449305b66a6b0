using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Sqlite;

/// <summary>The fills and positions contract on a real SQLite file.</summary>
[TestFixture]
public sealed class SqliteFillsAndPositions : FillsAndPositionsContract
{
    protected override Task<ILedgerUnderTest> NewLedgerAsync() => Task.FromResult<ILedgerUnderTest>(TestServers.NewSqliteLedger());
}
