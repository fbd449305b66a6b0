using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Sqlite;

/// <summary>The funding contract on a real SQLite file.</summary>
[TestFixture]
public sealed class SqliteFunding : FundingContract
{
    protected override Task<ILedgerUnderTest> NewLedgerAsync() => Task.FromResult<ILedgerUnderTest>(TestServers.NewSqliteLedger());
}
