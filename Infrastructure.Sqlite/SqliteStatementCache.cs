using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TradingBot.Infrastructure.Sqlite;

/// <summary>
/// Keeps the ledger's statements compiled on its kept connections. Microsoft.Data.Sqlite compiles a command's
/// SQL each time a new command runs it (efcore#14044) and EF Core creates a new command per execution, so every
/// unit of work re-parsed every statement. On a connection registered with <see cref="Keep"/>, each SQL text
/// runs on one prepared <see cref="SqliteCommand"/> kept for that connection, with EF's parameters; other
/// connections are left alone. A connection's statements are finalized when it closes.
/// </summary>
public sealed class SqliteStatementCache : DbCommandInterceptor
{
    /// <summary>The one instance.</summary>
    public static readonly SqliteStatementCache Instance = new();

    /// <summary>Distinct statements kept per connection; past it the connection's statements are finalized and compiled again as used.</summary>
    public const int Capacity = 64;

    private readonly ConditionalWeakTable<SqliteConnection, Statements> _byConnection = [];

    private SqliteStatementCache()
    {
    }

    /// <summary>Keeps statements compiled on <paramref name="connection"/> from now on (a connection that stays open).</summary>
    public void Keep(SqliteConnection connection) => _byConnection.AddOrUpdate(connection, new Statements());

    /// <summary>How many statements are kept for <paramref name="connection"/> (0 when it is not a kept connection).</summary>
    public int CountFor(SqliteConnection connection) => _byConnection.TryGetValue(connection, out var statements) ? statements.Count : 0;

    /// <inheritdoc />
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
        Prepared(command) is { } prepared ? InterceptionResult<DbDataReader>.SuppressWithResult(prepared.Run(c => c.ExecuteReader())) : result;

    /// <inheritdoc />
    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ReaderExecuting(command, eventData, result));

    /// <inheritdoc />
    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result) =>
        Prepared(command) is { } prepared ? InterceptionResult<int>.SuppressWithResult(prepared.Run(c => c.ExecuteNonQuery())) : result;

    /// <inheritdoc />
    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(NonQueryExecuting(command, eventData, result));

    /// <inheritdoc />
    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
        Prepared(command) is { } prepared ? InterceptionResult<object>.SuppressWithResult(prepared.Run(c => c.ExecuteScalar())!) : result;

    /// <inheritdoc />
    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ScalarExecuting(command, eventData, result));

    // The kept command for this command's SQL, carrying its parameters and transaction; null to let EF run its own.
    private PreparedCommand? Prepared(DbCommand command)
    {
        if (command is not SqliteCommand { Connection: { State: ConnectionState.Open } connection } sqlite
            || sqlite.CommandType != CommandType.Text
            || !_byConnection.TryGetValue(connection, out var statements))
        {
            return null;
        }

        var kept = statements.For(connection, sqlite.CommandText);
        if (kept is null)
        {
            return null;
        }

        kept.Parameters.Clear();
        foreach (SqliteParameter parameter in sqlite.Parameters)
        {
            kept.Parameters.Add(parameter);
        }

        kept.Transaction = sqlite.Transaction;
        kept.CommandTimeout = sqlite.CommandTimeout;
        return new PreparedCommand(kept, statements);
    }

    private sealed class PreparedCommand(SqliteCommand command, Statements statements)
    {
        public T Run<T>(Func<SqliteCommand, T> execute)
        {
            var result = execute(command);
            if (result is SqliteDataReader reader)
            {
                statements.OpenReader = reader;
            }

            return result;
        }
    }

    // One connection's kept commands. A connection runs one command at a time; a command whose reader is still
    // open (a caller streaming results while running another statement) is not reused until it is closed.
    private sealed class Statements
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        public SqliteDataReader? OpenReader { get; set; }

        public int Count => _commands.Count;

        public SqliteCommand? For(SqliteConnection connection, string sql)
        {
            if (OpenReader is { IsClosed: false })
            {
                return null;
            }

            OpenReader = null;
            if (_commands.TryGetValue(sql, out var command))
            {
                return command;
            }

            if (_commands.Count >= Capacity)
            {
                foreach (var stale in _commands.Values)
                {
                    stale.Dispose();
                }

                _commands.Clear();
            }

            command = connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
            return command;
        }
    }
}
