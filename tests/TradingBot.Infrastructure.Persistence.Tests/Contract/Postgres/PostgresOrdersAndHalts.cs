using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Postgres;

/// <summary>The orders and halts contract on a real PostgreSQL database.</summary>
[TestFixture]
public sealed class PostgresOrdersAndHalts : OrdersAndHaltsContract
{
    protected override async Task<ILedgerUnderTest> NewLedgerAsync() => await TestServers.NewPostgresLedgerAsync();
}
