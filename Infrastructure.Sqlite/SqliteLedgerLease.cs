using Microsoft.Data.Sqlite;
using TradingBot.Application.Ports;

namespace TradingBot.Infrastructure.Sqlite;

/// <summary>
/// One active worker per SQLite database file: an exclusive lock (flock) on a lock file beside it, named after the
/// file's canonical path (<see cref="SqliteLedgerPath.Canonical"/>), so two spellings of one file (a <c>file:</c> URI,
/// a relative path, a symbolic link) lock the same lock file. Never a second descriptor on the database itself, whose
/// closing would drop SQLite's own locks. The operating system releases the lock when the process dies. Holding it
/// also makes it safe to clear a migrations lock row that a killed process left behind (EF Core's SQLite migration
/// lock is a row, not an OS lock).
/// </summary>
public sealed class SqliteLedgerLease : ILedgerLease
{
    private readonly string _databasePath;
    private readonly string _connectionString;
    private FileStream? _lock;

    /// <summary>Creates the lease for the ledger named by <paramref name="connectionString"/> (a relative path: against the current directory).</summary>
    public SqliteLedgerLease(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(SqliteLedger.PrepareConnectionString(connectionString));
        _databasePath = builder.DataSource; // canonical: PrepareConnectionString resolved it
        _connectionString = builder.ToString();
    }

    /// <summary>The database file's canonical path, which the lock is named after.</summary>
    public string DatabasePath => _databasePath;

    /// <summary>The lock file.</summary>
    public string LockPath => _databasePath + ".lock";

    /// <inheritdoc />
    public async Task<bool> TryAcquireAsync(CancellationToken cancellationToken)
    {
        if (_lock is not null)
        {
            return true;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_databasePath)!);
        try
        {
            _lock = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return false;
        }

        await ClearStaleMigrationLockAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public Task<bool> IsHeldAsync(CancellationToken cancellationToken) => Task.FromResult(_lock is not null);

    /// <inheritdoc />
    public Task ReleaseAsync()
    {
        _lock?.Dispose();
        _lock = null;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _lock?.Dispose();
        _lock = null;
        return ValueTask.CompletedTask;
    }

    private async Task ClearStaleMigrationLockAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_databasePath))
        {
            return;
        }

        var connection = new SqliteConnection(_connectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsLock'";
                if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0)
                {
                    command.CommandText = "DELETE FROM \"__EFMigrationsLock\"";
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
