using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.InMemory;

/// <summary>The fills and positions contract on the Application tests' in-memory ledger.</summary>
[TestFixture]
public sealed class InMemoryFillsAndPositions : FillsAndPositionsContract
{
    protected override Task<ILedgerUnderTest> NewLedgerAsync() => Task.FromResult<ILedgerUnderTest>(new InMemoryTestLedger());
}
