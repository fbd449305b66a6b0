using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TradingBot.Infrastructure.Persistence.Tests.Support;

/// <summary>
/// Fault injection at the database boundary: fail right after a command containing some text has run
/// (so the earlier statements of the transaction really executed), or fail a commit with a given error
/// before or after it reached the database.
/// </summary>
public sealed class LedgerFaults : DbCommandInterceptor, IDbTransactionInterceptor
{
    private string? _failAfterCommandContaining;
    private Func<Exception>? _commitFault;
    private bool _commitFaultAfterCommit;
    private int _commitFaultsLeft;

    public int CommitsFaulted { get; private set; }

    public void FailAfterCommandContaining(string text) => _failAfterCommandContaining = text;

    public void FailCommits(Func<Exception> fault, bool afterCommit, int times = 1)
    {
        _commitFault = fault;
        _commitFaultAfterCommit = afterCommit;
        _commitFaultsLeft = times;
    }

    public void Clear()
    {
        _failAfterCommandContaining = null;
        _commitFault = null;
        _commitFaultsLeft = 0;
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Check(command);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Check(command);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Check(command);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Check(command);
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

    private void Check(DbCommand command)
    {
        if (_failAfterCommandContaining is { } text && command.CommandText.Contains(text, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"injected failure after a command containing '{text}'");
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
