using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace TradingBot.Infrastructure.Persistence;

/// <summary>How a provider classifies its database errors.</summary>
public interface ILedgerDatabaseErrors
{
    /// <summary>True for a UNIQUE or primary key violation.</summary>
    bool IsUniqueViolation(Exception exception);

    /// <summary>True for a failure that a re-run may not meet (lost connection, serialization failure, deadlock, busy).</summary>
    bool IsTransient(Exception exception);
}

/// <summary>
/// Re-runs a whole unit of work when it failed for a reason a re-run can fix: a transient database failure,
/// a lost race on a UNIQUE index (the re-run then finds the winner's row) or a concurrent update of the
/// same position (optimistic concurrency). Anything else — a CHECK violation, a bug — fails at once.
/// </summary>
public sealed class LedgerExecutionStrategy(ExecutionStrategyDependencies dependencies, ILedgerDatabaseErrors errors, int maxRetryCount, TimeSpan maxRetryDelay)
    : ExecutionStrategy(dependencies, maxRetryCount, maxRetryDelay)
{
    private static readonly ConditionalWeakTable<ExecutionStrategyDependencies, LedgerExecutionStrategy> PerContext = [];

    // The host's clock (its TimeProvider service, else the system's): the wait between attempts is taken on it, so a
    // simulation on virtual time spends no real time in a back-off.
    private readonly TimeProvider _time =
        dependencies.Options.FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider?.GetService<TimeProvider>() ?? TimeProvider.System;

    private TimeSpan _wait;

    /// <summary>
    /// The strategy of the context <paramref name="dependencies"/> belong to, created on its first use. EF Core asks
    /// for a new strategy per unit of work, and each new one seeds its own <see cref="Random"/> from the operating
    /// system; a context runs one unit at a time (pooled contexts keep their dependencies), and each execution starts
    /// afresh (<see cref="ExecutionStrategy.OnFirstExecution"/> clears the failures seen), so one strategy per context serves.
    /// </summary>
    public static LedgerExecutionStrategy For(ExecutionStrategyDependencies dependencies, ILedgerDatabaseErrors errors, int maxRetryCount, TimeSpan maxRetryDelay)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        if (PerContext.TryGetValue(dependencies, out var strategy))
        {
            return strategy;
        }

        strategy = new LedgerExecutionStrategy(dependencies, errors, maxRetryCount, maxRetryDelay);
        PerContext.AddOrUpdate(dependencies, strategy);
        return strategy;
    }

    /// <summary>
    /// False while this strategy runs a unit of work: a failure re-runs the whole unit, never one statement, so
    /// EF Core need not buffer each query's rows to be able to repeat it alone.
    /// </summary>
    public override bool RetriesOnFailure => Current != this && base.RetriesOnFailure;

    /// <summary>Runs <paramref name="operation"/> as EF Core's strategy does, each re-run after its back-off on the host's clock.</summary>
    public override Task<TResult> ExecuteAsync<TState, TResult>(
        TState state,
        Func<DbContext, TState, CancellationToken, Task<TResult>> operation,
        Func<DbContext, TState, CancellationToken, Task<ExecutionResult<TResult>>>? verifySucceeded,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (_time == TimeProvider.System)
        {
            return base.ExecuteAsync(state, operation, verifySucceeded, cancellationToken); // EF Core waits, as it always did
        }

        _wait = TimeSpan.Zero;
        return base.ExecuteAsync(
            state,
            async (context, current, ct) =>
            {
                if (_wait > TimeSpan.Zero)
                {
                    var wait = _wait;
                    _wait = TimeSpan.Zero;
                    await Task.Delay(wait, _time, ct).ConfigureAwait(false);
                }

                return await operation(context, current, ct).ConfigureAwait(false);
            },
            verifySucceeded,
            cancellationToken);
    }

    /// <summary>
    /// EF Core's exponential back-off; on a host clock other than the system's, taken at the start of the next async attempt
    /// on that clock (EF Core itself then waits zero). The system clock's hot path is EF Core's own, unwrapped.
    /// </summary>
    protected override TimeSpan? GetNextDelay(Exception lastException)
    {
        var delay = base.GetNextDelay(lastException);
        if (_time == TimeProvider.System)
        {
            return delay;
        }

        _wait = delay ?? TimeSpan.Zero;
        return delay is null ? null : TimeSpan.Zero;
    }

    /// <inheritdoc />
    protected override bool ShouldRetryOn(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is DbUpdateConcurrencyException
            || errors.IsTransient(exception)
            || (exception is DbUpdateException { InnerException: { } inner } && errors.IsUniqueViolation(inner))
            || errors.IsUniqueViolation(exception);
    }
}
