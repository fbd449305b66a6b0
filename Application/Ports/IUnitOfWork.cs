namespace TradingBot.Application.Ports;

/// <summary>
/// Makes several ledger reads and writes one transaction: the work commits when it returns
/// and rolls back, leaving nothing written, when it throws. An adapter may run the work
/// again from the start on a transient database failure, so work must not call the exchange or have any
/// effect outside the session. After a commit that landed although its answer was lost, the answer is the
/// landed attempt's result when the adapter can tell that it landed, or else a re-run's, which then finds
/// the landed attempt's writes.
/// </summary>
public interface IUnitOfWork
{
    /// <summary>Runs <paramref name="work"/> in one transaction and returns its result.</summary>
    Task<T> ExecuteAsync<T>(Func<ILedgerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>
    /// Runs read-only <paramref name="work"/> whose reads all see the ledger as it was at one moment, however many
    /// units commit meanwhile, and returns its result: for checks that compare several tables (orders against their
    /// fills, positions against a replay). It does not hold up writers. Staging a write in it throws
    /// <see cref="InvalidOperationException"/> and writes nothing.
    /// </summary>
    Task<T> ReadAsync<T>(Func<ILedgerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken);
}
