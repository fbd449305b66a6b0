using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

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
    /// <summary>
    /// False while this strategy runs a unit of work: a failure re-runs the whole unit, never one statement, so
    /// EF Core need not buffer each query's rows to be able to repeat it alone.
    /// </summary>
    public override bool RetriesOnFailure => Current != this && base.RetriesOnFailure;

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
