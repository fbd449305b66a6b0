using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>A suite that needs a real database (raw SQL, fault injection, traffic counting): run on SQLite and Postgres only.</summary>
public abstract class DatabaseContract : LedgerSuite
{
    protected LedgerTestDatabase Db { get; private set; } = null!;

    protected override IUnitOfWork Ledger => Db.Ledger;

    protected abstract Task<LedgerTestDatabase> CreateDatabaseAsync();

    [SetUp]
    public async Task CreateLedgerAsync() => Db = await CreateDatabaseAsync();

    [TearDown]
    public async Task DropLedgerAsync() => await Db.DisposeAsync();
}
