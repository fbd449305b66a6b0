using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>A suite of the ledger's ports, run on SQLite, Postgres and the in-memory fake; a subclass only says how to get a fresh ledger.</summary>
public abstract class PortContract : LedgerSuite
{
    private ILedgerUnderTest _ledger = null!;

    protected override IUnitOfWork Ledger => _ledger.Ledger;

    protected abstract Task<ILedgerUnderTest> NewLedgerAsync();

    [SetUp]
    public async Task CreateLedgerAsync() => _ledger = await NewLedgerAsync();

    [TearDown]
    public async Task DropLedgerAsync() => await _ledger.DisposeAsync();

    protected IUnitOfWork AnotherProcess() => _ledger.AnotherProcess();

    protected Task<long> CountAsync(Records kind) => _ledger.CountAsync(kind);
}
