namespace TradingBot.Application.Ports;

/// <summary>
/// Makes this process the one active worker of a ledger: on Postgres a session advisory lock held on a
/// dedicated connection, on SQLite an exclusive lock on the ledger. Two workers never trade at once.
/// </summary>
public interface ILedgerLease : IAsyncDisposable
{
    /// <summary>Tries to take the lease; false when another worker holds it.</summary>
    Task<bool> TryAcquireAsync(CancellationToken cancellationToken);

    /// <summary>
    /// True while this process still holds the lease, confirmed now with the lock itself (on Postgres: the lock's own
    /// connection answers and the server still lists the lock as this session's); false once it is gone.
    /// </summary>
    Task<bool> IsHeldAsync(CancellationToken cancellationToken);

    /// <summary>Gives the lease up.</summary>
    Task ReleaseAsync();
}
