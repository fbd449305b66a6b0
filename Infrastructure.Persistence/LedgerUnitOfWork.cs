using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence.Writes;
using TradingBot.Infrastructure.Persistence.Repositories;

namespace TradingBot.Infrastructure.Persistence;

/// <summary>
/// Runs each unit of work in a short-lived context under the provider's execution strategy, its writes sent as one
/// atomic batch (<see cref="LedgerSession"/>); a transient failure, a lost UNIQUE race or a changed row runs the whole
/// unit again. Before a re-run, a unit whose failed attempt inserted a row of its own making asks whether that row is
/// stored: then the commit landed, and the failed attempt's result is the answer.
/// </summary>
public sealed class LedgerUnitOfWork(IDbContextFactory<LedgerDbContext> contexts) : IUnitOfWork
{
    // What this ledger's committed units last wrote: lets record-fill skip its read in the steady state.
    private readonly CommittedRows _committed = new();

    /// <inheritdoc />
    public async Task<T> ExecuteAsync<T>(Func<ILedgerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var first = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(first, new Attempts<T>(contexts, first, _committed, work), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<T> ReadAsync<T>(Func<ILedgerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var first = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(first, new SnapshotReads<T>(contexts, first, _committed, work), cancellationToken).ConfigureAwait(false);
    }

    // The context that supplies the execution strategy also runs the first attempt: one context (and, on SQLite, one
    // kept connection whose page cache stays warm) per unit of work.
    private static Task<T> RunAsync<T>(LedgerDbContext first, IAttempts<T> attempts, CancellationToken cancellationToken) =>
        first.Database.CreateExecutionStrategy().ExecuteAsync(
            attempts,
            static (_, attempts, ct) => attempts.RunAsync(ct),
            null,
            cancellationToken);

    // One attempt per call, under the execution strategy: the first on the context that supplied it, later ones on fresh contexts.
    private interface IAttempts<T>
    {
        Task<T> RunAsync(CancellationToken cancellationToken);
    }

    // A read-only unit: its reads in one snapshot transaction (see LedgerProvider.SnapshotIsolation), a fresh context per attempt.
    private sealed class SnapshotReads<T>(IDbContextFactory<LedgerDbContext> contexts, LedgerDbContext first, CommittedRows committed, Func<ILedgerSession, CancellationToken, Task<T>> work) : IAttempts<T>
    {
        private bool _firstUsed;

        public async Task<T> RunAsync(CancellationToken cancellationToken)
        {
            if (!_firstUsed)
            {
                _firstUsed = true;
                return await RunOnceAsync(first, cancellationToken).ConfigureAwait(false);
            }

            await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            return await RunOnceAsync(db, cancellationToken).ConfigureAwait(false);
        }

        private async Task<T> RunOnceAsync(LedgerDbContext db, CancellationToken cancellationToken)
        {
            db.Database.AutoSavepointsEnabled = false;
            await using var transaction = await db.Database.BeginTransactionAsync(LedgerProvider.Of(db).SnapshotIsolation, cancellationToken).ConfigureAwait(false);
            await using var session = new LedgerSession(db, committed, firstAttempt: false, readOnly: true);
            var result = await work(session, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
    }

    private sealed class Attempts<T>(IDbContextFactory<LedgerDbContext> contexts, LedgerDbContext first, CommittedRows committed, Func<ILedgerSession, CancellationToken, Task<T>> work) : IAttempts<T>
    {
        private bool _firstUsed;
        private bool _recalledAndFailed;

        // The last failed attempt's result and what tells whether its commit landed anyway (its answer lost).
        private (T Result, Func<LedgerDbContext, CancellationToken, Task<bool>> Landed)? _unconfirmed;

        public async Task<T> RunAsync(CancellationToken cancellationToken)
        {
            // Only the first attempt may take committed rows instead of reading; any re-run reads what it needs.
            var rerun = _firstUsed;
            _firstUsed = true;
            if (!rerun)
            {
                try
                {
                    return await RunOnceAsync(first, firstAttempt: true, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception) when (_recalledAndFailed && !cancellationToken.IsCancellationRequested)
                {
                    // The failure may come from a remembered row that was stale (changed elsewhere, a fill recorded
                    // elsewhere, an order deleted): nothing was written; run the unit once more from fresh reads,
                    // whose outcome (success or error) is the answer.
                }
            }

            await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            if (_unconfirmed is { } failed)
            {
                // When the failed attempt's new row is stored, its commit landed and only the answer was lost: its result
                // is the answer (a re-run would find the attempt's own writes and answer as if they were someone else's).
                // A check that fails itself leaves the question open for the next attempt.
                var landed = await failed.Landed(db, cancellationToken).ConfigureAwait(false);
                _unconfirmed = null;
                if (landed)
                {
                    return failed.Result;
                }
            }

            return await RunOnceAsync(db, firstAttempt: false, cancellationToken).ConfigureAwait(false);
        }

        private async Task<T> RunOnceAsync(LedgerDbContext db, bool firstAttempt, CancellationToken cancellationToken)
        {
            // No savepoints: a failure never rolls back to one, it discards the whole unit and the strategy re-runs it.
            db.Database.AutoSavepointsEnabled = false;
            var session = new LedgerSession(db, committed, firstAttempt);
            var result = default(T);
            var committing = false;
            try
            {
                result = await work(session, cancellationToken).ConfigureAwait(false);
                committing = true;
                await session.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
            catch
            {
                // What is remembered may be stale now (or this unit's commit may have landed unseen): forget it.
                committed.ClearRows();
                _recalledAndFailed = session.UsedCommittedRows;
                _unconfirmed = committing && session.CommitLandedCheck is { } witness ? (result!, witness) : null;
                throw;
            }
            finally
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
