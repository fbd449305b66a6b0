using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence.Tests.Support;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract.Sqlite;

/// <summary>The lease contract on a SQLite ledger file: a lock on a file beside it.</summary>
[TestFixture]
public sealed class SqliteLease : LeaseContract
{
    protected override Task<LedgerTestDatabase> CreateDatabaseAsync() => Task.FromResult(TestServers.NewSqliteLedger());

    protected override ILedgerLease NewLease(string connectionString) => new SqliteLedgerLease(connectionString);

    // The operating system closes the lock file when the process dies; disposing the lease closes it the same way.
    protected override Task EndHolderAsync(ILedgerLease holder) => holder.DisposeAsync().AsTask();
}
