using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;

namespace TradingBot.Infrastructure.Sqlite;

/// <summary>
/// Keeps the ledger's statements compiled on its kept connections. Microsoft.Data.Sqlite compiles a command's
/// SQL each time a new command runs it (efcore#14044) and EF Core creates a new command per execution, so every
/// unit of work re-parsed every statement. On a connection registered with <see cref="Keep"/>, each SQL text
/// runs on prepared commands kept for that connection, with EF's parameters; other connections are left alone.
/// A text of several statements (the ledger's write batch) runs as one kept command per statement, each bound
/// only to the parameters it names, as a hand-written batch would: Microsoft.Data.Sqlite otherwise looks every
/// parameter up in every statement. A connection's statements are finalized when it closes.
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
        Kept(command, out var statements) is { Parts.Length: 1 } kept
            ? InterceptionResult<DbDataReader>.SuppressWithResult(statements!.Track(kept.Bind(0, (SqliteCommand)command).ExecuteReader()))
            : result;

    /// <inheritdoc />
    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ReaderExecuting(command, eventData, result));

    /// <inheritdoc />
    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        if (Kept(command, out _) is not { } kept)
        {
            return result;
        }

        // Statement by statement, as the whole text would run: the ones before a failing one have run, in the caller's transaction.
        var written = 0;
        for (var part = 0; part < kept.Parts.Length; part++)
        {
            written += kept.Bind(part, (SqliteCommand)command).ExecuteNonQuery();
        }

        return InterceptionResult<int>.SuppressWithResult(written);
    }

    /// <inheritdoc />
    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(NonQueryExecuting(command, eventData, result));

    /// <inheritdoc />
    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
        Kept(command, out _) is { Parts.Length: 1 } kept
            ? InterceptionResult<object>.SuppressWithResult(kept.Bind(0, (SqliteCommand)command).ExecuteScalar()!)
            : result;

    /// <inheritdoc />
    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ScalarExecuting(command, eventData, result));

    // The kept statements for this command's SQL; null to let EF run its own command.
    private KeptSql? Kept(DbCommand command, out Statements? statements)
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

    // One connection's kept SQL texts. A connection runs one command at a time; while a reader from a kept command
    // is still open (a caller streaming results while it runs another statement), EF's own commands are used.
    private sealed class Statements
    {
        private readonly Dictionary<string, KeptSql> _texts = new(StringComparer.Ordinal);
        private SqliteDataReader? _openReader;

        public int Count => _texts.Count;

        public SqliteDataReader Track(SqliteDataReader reader) => _openReader = reader;

        public KeptSql? For(SqliteConnection connection, string sql)
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

            kept = new KeptSql(connection, sql);
            _texts[sql] = kept;
            return kept;
        }
    }

    // One SQL text: a prepared command per statement, and which of the executing command's parameters each names.
    private sealed class KeptSql : IDisposable
    {
        private readonly (string Name, int Index)[]?[] _parameters;

        public KeptSql(SqliteConnection connection, string sql)
        {
            var statements = Split(sql);
            Parts = new SqliteCommand[statements.Count];
            _parameters = new (string, int)[]?[statements.Count];
            for (var i = 0; i < statements.Count; i++)
            {
                Parts[i] = connection.CreateCommand();
                Parts[i].CommandText = statements[i];
            }
        }

        public SqliteCommand[] Parts { get; }

        /// <summary>The part's kept command, carrying the parameters it names and the executing command's transaction.</summary>
        public SqliteCommand Bind(int part, SqliteCommand executing)
        {
            var kept = Parts[part];
            var names = _parameters[part] ??= Names(kept.CommandText, executing.Parameters);
            kept.Parameters.Clear();
            foreach (var (name, index) in names)
            {
                var parameter = index < executing.Parameters.Count && ReferenceEquals(executing.Parameters[index].ParameterName, name)
                    ? executing.Parameters[index]
                    : executing.Parameters[name];
                kept.Parameters.Add(parameter);
            }

            kept.Transaction = executing.Transaction;
            kept.CommandTimeout = executing.CommandTimeout;
            return kept;
        }

        public void Dispose()
        {
            foreach (var part in Parts)
            {
                part.Dispose();
            }
        }

        // Statement boundaries as SQLite itself sees them (semicolons inside literals or trigger bodies do not end one).
        private static List<string> Split(string sql)
        {
            var statements = new List<string>();
            var start = 0;
            for (var end = sql.IndexOf(';', start); end >= 0; end = sql.IndexOf(';', end + 1))
            {
                if (raw.sqlite3_complete(sql[start..(end + 1)]) != 0)
                {
                    statements.Add(sql[start..(end + 1)]);
                    start = end + 1;
                }
            }

            if (!string.IsNullOrWhiteSpace(sql[start..]))
            {
                statements.Add(sql[start..]);
            }

            return statements.Count == 0 ? [sql] : statements;
        }

        // The parameters this statement names: the name (its prefix optional) standing alone, not part of a longer one.
        private static (string, int)[] Names(string statement, SqliteParameterCollection parameters)
        {
            static bool PartOfName(char c) => char.IsLetterOrDigit(c) || c == '_';
            var named = new List<(string, int)>();
            for (var i = 0; i < parameters.Count; i++)
            {
                var name = parameters[i].ParameterName;
                for (var at = statement.IndexOf(name, StringComparison.Ordinal); at >= 0; at = statement.IndexOf(name, at + 1, StringComparison.Ordinal))
                {
                    var next = at + name.Length;
                    if ((at == 0 || !PartOfName(statement[at - 1])) && (next == statement.Length || !PartOfName(statement[next])))
                    {
                        named.Add((name, i));
                        break;
                    }
                }
            }

            return [.. named];
        }
    }
}
