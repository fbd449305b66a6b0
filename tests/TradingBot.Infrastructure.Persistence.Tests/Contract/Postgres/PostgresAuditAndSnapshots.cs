using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Postgres;

/// <summary>The audit and snapshots contract on a real PostgreSQL database.</summary>
[TestFixture]
public sealed class PostgresAuditAndSnapshots : AuditAndSnapshotsContract
{
    protected override async Task<ILedgerUnderTest> NewLedgerAsync() => await TestServers.NewPostgresLedgerAsync();
}
