using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Postgres;

/// <summary>The fills and positions contract on a real PostgreSQL database.</summary>
[TestFixture]
public sealed class PostgresFillsAndPositions : FillsAndPositionsContract
{
    protected override async Task<ILedgerUnderTest> NewLedgerAsync() => await TestServers.NewPostgresLedgerAsync();
}
