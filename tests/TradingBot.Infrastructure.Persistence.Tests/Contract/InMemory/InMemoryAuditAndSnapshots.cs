using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.InMemory;

/// <summary>The audit and snapshots contract on the Application tests' in-memory ledger.</summary>
[TestFixture]
public sealed class InMemoryAuditAndSnapshots : AuditAndSnapshotsContract
{
    protected override Task<ILedgerUnderTest> NewLedgerAsync() => Task.FromResult<ILedgerUnderTest>(new InMemoryTestLedger());
}
