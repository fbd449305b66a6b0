using Npgsql;
using TradingBot.Application.Ports;

namespace TradingBot.Infrastructure.Postgres;

/// <summary>
/// One active worker per Postgres ledger: a session advisory lock held on a dedicated, unpooled connection.
/// The lock lives exactly as long as that connection: when the worker dies or its connection is lost,
/// the server releases it and a standby worker can take over.
/// </summary>
public sealed class PostgresLedgerLease(string connectionString) : ILedgerLease
{
    /// <summary>The advisory lock key: the same for every worker of every ledger database (the lock is per database).</summary>
    public const long LockKey = 0x54726164696E67; // "Trading"

    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(PostgresLedger.PrepareConnectionString(connectionString))
    {
        Pooling = false, // a pooled connection would keep the lock after Close
        KeepAlive = 5,
    }.ConnectionString;

    private NpgsqlConnection? _connection;

    /// <inheritdoc />
    public async Task<bool> TryAcquireAsync(CancellationToken cancellationToken)
    {
        if (await IsHeldAsync(cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        await ReleaseAsync().ConfigureAwait(false);

        // An unreachable server throws: that is an outage to back off from, not another worker holding the lease.
        var connection = new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", LockKey);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                _connection = connection;
                return true;
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        return false;
    }

    /// <inheritdoc />
    public async Task<bool> IsHeldAsync(CancellationToken cancellationToken)
    {
        if (_connection is null)
        {
            return false;
        }

        try
        {
            await using var command = new NpgsqlCommand("SELECT 1", _connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
        {
            await ReleaseAsync().ConfigureAwait(false);
            return false;
        }
    }

    /// <inheritdoc />
    public async Task ReleaseAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(ReleaseAsync());
}
