using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Postgres;

/// <summary>The funding contract on a real PostgreSQL database.</summary>
[TestFixture]
public sealed class PostgresFunding : FundingContract
{
    protected override async Task<ILedgerUnderTest> NewLedgerAsync() => await TestServers.NewPostgresLedgerAsync();
}
