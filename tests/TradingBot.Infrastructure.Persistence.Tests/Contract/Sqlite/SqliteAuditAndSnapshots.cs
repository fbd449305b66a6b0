using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Sqlite;

/// <summary>The audit and snapshots contract on a real SQLite file.</summary>
[TestFixture]
public sealed class SqliteAuditAndSnapshots : AuditAndSnapshotsContract
{
    protected override Task<ILedgerUnderTest> NewLedgerAsync() => Task.FromResult<ILedgerUnderTest>(TestServers.NewSqliteLedger());
}
