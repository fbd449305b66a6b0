using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TradingBot.Infrastructure.Sqlite;

/// <summary>
/// Keeps EF Core's query statements compiled on the ledger's kept connections. Microsoft.Data.Sqlite compiles a command's
/// SQL each time a new command runs it (efcore#14044) and EF Core creates a new command per query, so every unit of work
/// re-parsed every query. On a connection registered with <see cref="Keep"/>, each query text runs on one prepared command
/// kept for that connection, with EF's parameters. The ledger's writes need no help: their commands are kept whole
/// (WriteCommandCache), and Microsoft.Data.Sqlite keeps a kept command's statements compiled. A connection's statements
/// are finalized when it closes.
/// </summary>
public sealed class SqliteStatementCache : DbCommandInterceptor
{
    /// <summary>The one instance.</summary>
    public static readonly SqliteStatementCache Instance = new();

    /// <summary>Distinct SQL texts kept per connection; past it the connection's statements are finalized and compiled again as used.</summary>
    public const int Capacity = 128;

    private readonly ConditionalWeakTable<SqliteConnection, Statements> _byConnection = [];

    private SqliteStatementCache()
    {
    }

    /// <summary>Keeps statements compiled on <paramref name="connection"/> from now on (a connection that stays open).</summary>
    public void Keep(SqliteConnection connection) => _byConnection.AddOrUpdate(connection, new Statements());

    /// <summary>How many SQL texts are kept for <paramref name="connection"/> (0 when it is not a kept connection).</summary>
    public int CountFor(SqliteConnection connection) => _byConnection.TryGetValue(connection, out var statements) ? statements.Count : 0;

    /// <inheritdoc />
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
        Kept(command, out var statements) is { } kept
            ? InterceptionResult<DbDataReader>.SuppressWithResult(statements!.Track(Bind(kept, (SqliteCommand)command).ExecuteReader()))
            : result;

    /// <inheritdoc />
    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ReaderExecuting(command, eventData, result));

    /// <inheritdoc />
    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
        Kept(command, out _) is { } kept
            ? InterceptionResult<object>.SuppressWithResult(Bind(kept, (SqliteCommand)command).ExecuteScalar()!)
            : result;

    /// <inheritdoc />
    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ScalarExecuting(command, eventData, result));

    // The kept command for this command's SQL; null to let EF run its own command.
    private SqliteCommand? Kept(DbCommand command, out Statements? statements)
    {
        statements = null;
        if (command is not SqliteCommand { Connection: { State: ConnectionState.Open } connection } sqlite
            || sqlite.CommandType != CommandType.Text
            || !_byConnection.TryGetValue(connection, out statements))
        {
            return null;
        }

        return statements.For(connection, sqlite.CommandText);
    }

    // The kept command, carrying the executing command's parameters and transaction.
    private static SqliteCommand Bind(SqliteCommand kept, SqliteCommand executing)
    {
        kept.Parameters.Clear();
        foreach (SqliteParameter parameter in executing.Parameters)
        {
            kept.Parameters.Add(parameter);
        }

        kept.Transaction = executing.Transaction;
        kept.CommandTimeout = executing.CommandTimeout;
        return kept;
    }

    // One connection's kept SQL texts. A connection runs one command at a time; while a reader from a kept command
    // is still open (a caller streaming results while it runs another query), EF's own commands are used.
    private sealed class Statements
    {
        private readonly Dictionary<string, SqliteCommand> _texts = new(StringComparer.Ordinal);
        private SqliteDataReader? _openReader;

        public int Count => _texts.Count;

        public SqliteDataReader Track(SqliteDataReader reader) => _openReader = reader;

        public SqliteCommand? For(SqliteConnection connection, string sql)
        {
            if (_openReader is { IsClosed: false })
            {
                return null;
            }

            _openReader = null;
            if (_texts.TryGetValue(sql, out var kept))
            {
                return kept;
            }

            if (_texts.Count >= Capacity)
            {
                foreach (var stale in _texts.Values)
                {
                    stale.Dispose();
                }

                _texts.Clear();
            }

            kept = connection.CreateCommand();
            kept.CommandText = sql;
            _texts[sql] = kept;
            return kept;
        }
    }
}
