using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Postgres;

/// <summary>The audit and snapshots contract on a real PostgreSQL database whose funding_snapshots and audit_log are partitioned by month (Ledger:Partitioning=Monthly).</summary>
[TestFixture]
public sealed class PartitionedPostgresAuditAndSnapshots : AuditAndSnapshotsContract
{
    protected override async Task<ILedgerUnderTest> NewLedgerAsync() => await TestServers.NewPartitionedPostgresLedgerAsync();
}
