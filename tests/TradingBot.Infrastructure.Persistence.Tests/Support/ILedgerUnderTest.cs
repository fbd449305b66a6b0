using TradingBot.Application.Ports;

namespace TradingBot.Infrastructure.Persistence.Tests.Support;

/// <summary>A fresh, empty ledger for one port-contract test: a real database, or the in-memory fake.</summary>
public interface ILedgerUnderTest : IAsyncDisposable
{
    /// <summary>The ledger under test.</summary>
    IUnitOfWork Ledger { get; }

    /// <summary>The same ledger as another process would have it: its own connections and memory of what it wrote.</summary>
    IUnitOfWork AnotherProcess();

    /// <summary>How many records of a kind are stored, counted in the store itself rather than through a repository.</summary>
    Task<long> CountAsync(Records kind);
}
