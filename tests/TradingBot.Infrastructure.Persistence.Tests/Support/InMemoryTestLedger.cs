using TradingBot.Application.Ports;
using TradingBot.TestLedger;

namespace TradingBot.Infrastructure.Persistence.Tests.Support;

/// <summary>The Application tests' in-memory ledger, put through the same port contract as the databases.</summary>
public sealed class InMemoryTestLedger : ILedgerUnderTest
{
    private readonly InMemoryLedger _ledger = new();

    public IUnitOfWork Ledger => _ledger;

    // The fake keeps no memory per process: another process sees the one shared state.
    public IUnitOfWork AnotherProcess() => _ledger;

    public Task<long> CountAsync(Records kind) => Task.FromResult<long>(kind switch
    {
        Records.Orders => _ledger.Orders.Count,
        Records.Fills => _ledger.Fills.Count,
        Records.Positions => _ledger.Positions.Count,
        Records.FundingPayments => _ledger.FundingPayments.Count,
        Records.FundingSnapshots => _ledger.FundingSnapshots.Count,
        Records.StateSnapshots => _ledger.StateSnapshots.Count,
        Records.AuditEvents => _ledger.AuditEvents.Count,
        Records.Halts => _ledger.Halts.Count,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    });

    public ValueTask DisposeAsync()
    {
        _ledger.Dispose();
        return ValueTask.CompletedTask;
    }
}
