using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TradingBot.Infrastructure.Persistence.Tests.Support;

/// <summary>
/// Fault injection at the database boundary: make the database itself reject a statement (so the statements
/// before it in the same batch or transaction really ran), or fail a unit of work's commit with a given error
/// before or after it reached the database. A unit of work commits either with a transaction's COMMIT or, on
/// Postgres, by sending its write batch outside a transaction (one implicit transaction); both are faulted.
/// </summary>
public sealed class LedgerFaults : DbCommandInterceptor, IDbTransactionInterceptor
{
    /// <summary>The table name a rejected statement is pointed at; the database's error message contains it.</summary>
    public const string MissingTable = "injected failure";

    private string? _rejectCommandContaining;
    private string? _markCommandsWith;
    private Func<Exception>? _commitFault;
    private bool _commitFaultAfterCommit;
    private int _commitFaultsLeft;

    public int CommitsFaulted { get; private set; }

    /// <summary>Every command naming <paramref name="table"/>, until <see cref="Clear"/>, is rejected by the database: the name is replaced by one that does not exist.</summary>
    public void RejectCommandsNaming(string table) => _rejectCommandContaining = table;

    /// <summary>Every command, until <see cref="Clear"/>, is rewritten harmlessly: <paramref name="marker"/> is put in front of it as a comment.</summary>
    public void MarkCommands(string marker) => _markCommandsWith = marker;

    public void FailCommits(Func<Exception> fault, bool afterCommit, int times = 1)
    {
        _commitFault = fault;
        _commitFaultAfterCommit = afterCommit;
        _commitFaultsLeft = times;
    }

    public void Clear()
    {
        _rejectCommandContaining = null;
        _markCommandsWith = null;
        _commitFault = null;
        _commitFaultsLeft = 0;
    }

    // Rewritten when the command is initialized, before any interceptor executes it. The name may be quoted
    // (SQLite) or not (Npgsql quotes only names that need it).
    public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (_rejectCommandContaining is { } table)
        {
            var pattern = $"(?<![\\w\"])\"?{Regex.Escape(table)}\"?(?![\\w\"])";
            if (Regex.IsMatch(result.CommandText, pattern))
            {
                result.CommandText = Regex.Replace(result.CommandText, pattern, $"\"{MissingTable}\"");
            }
        }

        if (_markCommandsWith is { } marker)
        {
            result.CommandText = $"/* {marker} */ {result.CommandText}";
        }

        return result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        AutocommitWriteFault(command, before: true);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        AutocommitWriteFault(command, before: true);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        AutocommitWriteFault(command, before: false);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        AutocommitWriteFault(command, before: false);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        CommitFault(before: true);
        return result;
    }

    public ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        CommitFault(before: true);
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => CommitFault(before: false);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        CommitFault(before: false);
        return Task.CompletedTask;
    }

    // A write batch sent without a transaction (Postgres: one statement of CTEs) commits when it returns.
    private void AutocommitWriteFault(DbCommand command, bool before)
    {
        if (command.Transaction is null && command.CommandText.StartsWith("WITH \"w0\" AS (", StringComparison.Ordinal))
        {
            CommitFault(before);
        }
    }

    private void CommitFault(bool before)
    {
        if (_commitFault is null || _commitFaultsLeft <= 0 || before == _commitFaultAfterCommit)
        {
            return;
        }

        _commitFaultsLeft--;
        CommitsFaulted++;
        throw _commitFault();
    }
}
