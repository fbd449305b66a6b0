using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.InMemory;

/// <summary>The orders and halts contract on the Application tests' in-memory ledger.</summary>
[TestFixture]
public sealed class InMemoryOrdersAndHalts : OrdersAndHaltsContract
{
    protected override Task<ILedgerUnderTest> NewLedgerAsync() => Task.FromResult<ILedgerUnderTest>(new InMemoryTestLedger());
}
