using Npgsql;
using TradingBot.Application.Ports;

namespace TradingBot.Infrastructure.Postgres;

/// <summary>
/// One active worker per Postgres ledger: a session advisory lock held on a dedicated, unpooled connection
/// (application name <see cref="ApplicationName"/>). The lock lives exactly as long as that connection: when the
/// worker dies or its connection is lost, the server releases it and a standby worker can take over.
/// <see cref="IsHeldAsync"/> asks the server, on that connection, whether the lock is still this session's, with a
/// short timeout: a connection that was terminated, or hangs, is a lease lost.
/// </summary>
public sealed class PostgresLedgerLease(string connectionString) : ILedgerLease
{
    /// <summary>The advisory lock key: the same for every worker of every ledger database (the lock is per database).</summary>
    public const long LockKey = 0x54726164696E67; // "Trading"

    /// <summary>The lease connection's application name, as <c>pg_stat_activity</c> shows it.</summary>
    public const string ApplicationName = "tradingbot-lease";

    // How long the server may take to confirm the lease before it counts as lost.
    private const int ConfirmTimeoutSeconds = 5;

    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(PostgresLedger.PrepareConnectionString(connectionString))
    {
        Pooling = false, // a pooled connection would keep the lock after Close
        KeepAlive = 5,
        ApplicationName = ApplicationName,
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
            // A bigint advisory key is listed as classid (high 32 bits), objid (low 32 bits) and objsubid 1.
            await using var command = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted " +
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) " +
                "AND classid = @high AND objid = @low AND objsubid = 1)",
                _connection)
            {
                CommandTimeout = ConfirmTimeoutSeconds,
            };
            command.Parameters.AddWithValue("high", NpgsqlTypes.NpgsqlDbType.Oid, (uint)(LockKey >> 32));
            command.Parameters.AddWithValue("low", NpgsqlTypes.NpgsqlDbType.Oid, (uint)(LockKey & 0xFFFFFFFF));
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                return true;
            }
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The lock's connection is gone or does not answer in time: the lease is lost.
        }

        await ReleaseAsync().ConfigureAwait(false);
        return false;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The lock is given back on its connection before that connection closes: a closed connection's lock is freed only
    /// when its server process has exited, a moment later, and the next worker should find it free at once.
    /// </remarks>
    public async Task ReleaseAsync()
    {
        if (_connection is not null)
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", _connection) { CommandTimeout = ConfirmTimeoutSeconds };
                command.Parameters.AddWithValue("key", LockKey);
                await command.ExecuteScalarAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The connection is gone already, and its lock with it.
            }

            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(ReleaseAsync());
}
