using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TradingBot.Infrastructure.Persistence.Tests.Support;

/// <summary>What the ledger sent to the database: each command executed (one round trip on Postgres) and each transaction begun.</summary>
public sealed class LedgerTraffic : DbCommandInterceptor, IDbTransactionInterceptor
{
    private readonly ConcurrentQueue<string> _commands = new();
    private int _transactions;
    private int _created;

    /// <summary>The command texts executed since <see cref="Clear"/>, in order.</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    /// <summary>Transactions begun since <see cref="Clear"/>.</summary>
    public int Transactions => _transactions;

    /// <summary>Commands created since <see cref="Clear"/> (EF Core's CommandCreated interception point).</summary>
    public int CommandsCreated => _created;

    public void Clear()
    {
        _commands.Clear();
        _transactions = 0;
        _created = 0;
    }

    public override DbCommand CommandCreated(CommandEndEventData eventData, DbCommand result)
    {
        Interlocked.Increment(ref _created);
        return result;
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result) => Log(command, result);

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Log(command, result));

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result) => Log(command, result);

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Log(command, result));

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result) => Log(command, result);

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Log(command, result));

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        Interlocked.Increment(ref _transactions);
        return result;
    }

    public ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _transactions);
        return ValueTask.FromResult(result);
    }

    private T Log<T>(DbCommand command, T result)
    {
        _commands.Enqueue(command.CommandText);
        return result;
    }
}
