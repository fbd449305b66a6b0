using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence;

namespace TradingBot.Infrastructure.Sqlite;

/// <summary>
/// EF Core's pooled contexts, each lent one of the ledger's kept open connections while in use (the one used last first):
/// opening a connection runs the pragmas and closing it finalizes every compiled statement, so each is paid once.
/// The connections close when this factory is disposed with the service provider.
/// </summary>
public sealed class SqliteLedgerContextFactory : IDbContextFactory<LedgerDbContext>, IDisposable
{
    private readonly IDbContextFactory<LedgerDbContext> _pooled;
    private readonly string _connectionString;
    private readonly ConcurrentStack<SqliteConnection> _idle = new();
    private readonly ConcurrentDictionary<SqliteConnection, byte> _kept = new();
    private volatile bool _disposed;

    /// <summary>Wraps <paramref name="pooled"/> (EF Core's pooled factory for the SQLite ledger).</summary>
    /// <param name="pooled">The factory whose contexts are lent a kept connection.</param>
    /// <param name="connectionString">The ledger's prepared connection string (<see cref="SqliteLedger.PrepareConnectionString"/>).</param>
    public SqliteLedgerContextFactory(IDbContextFactory<LedgerDbContext> pooled, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(pooled);
        _pooled = pooled;
        _connectionString = connectionString;
    }

    /// <summary>How many connections this factory keeps open (the most it has lent at once).</summary>
    public int KeptConnections => _kept.Count;

    /// <inheritdoc />
    public LedgerDbContext CreateDbContext()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var context = _pooled.CreateDbContext();
        SqliteConnection? connection = null;
        try
        {
            connection = _idle.TryPop(out var idle) ? idle : Open();
            context.Database.SetDbConnection(connection, contextOwnsConnection: false);
            context.AfterDispose(() => GiveBack(connection));
            return context;
        }
        catch
        {
            if (connection is not null)
            {
                GiveBack(connection);
            }

            context.Dispose();
            throw;
        }
    }

    /// <summary>Closes every kept connection.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var connection in _kept.Keys)
        {
            connection.Dispose();
        }

        _kept.Clear();
        _idle.Clear();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            SqlitePragmas.Apply(connection);
            SqliteStatementCache.Instance.Keep(connection);
            _kept[connection] = 0;
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void GiveBack(SqliteConnection connection)
    {
        if (_disposed || connection.State != System.Data.ConnectionState.Open)
        {
            _kept.TryRemove(connection, out _);
            connection.Dispose();
            return;
        }

        _idle.Push(connection);
    }
}
