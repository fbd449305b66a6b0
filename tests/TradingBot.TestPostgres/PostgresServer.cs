using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Testcontainers.PostgreSql;

namespace TradingBot.TestPostgres;

/// <summary>Where the test server came from.</summary>
public enum PostgresServerKind
{
    /// <summary>A server named by TRADINGBOT_TEST_POSTGRES.</summary>
    Existing,

    /// <summary>A Testcontainers container (a Docker daemon answered).</summary>
    Container,

    /// <summary>A throwaway cluster started from the local PostgreSQL binaries.</summary>
    LocalCluster,
}

/// <summary>
/// A real PostgreSQL server for a test run, found in this order: the connection string in the environment
/// variable <c>TRADINGBOT_TEST_POSTGRES</c>; a Testcontainers container when a Docker daemon answers; a
/// throwaway cluster from the local binaries (initdb/pg_ctl on PATH or in <c>pg_config --bindir</c>),
/// run as a non-root user on a free loopback port and removed afterwards. When none is possible,
/// <see cref="StartAsync"/> throws with a message saying how to provide one: tests never skip.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The environment variable naming an existing server.</summary>
    public const string EnvironmentVariable = "TRADINGBOT_TEST_POSTGRES";

    private readonly PostgreSqlContainer? _container;
    private readonly LocalCluster? _cluster;

    private PostgresServer(PostgresServerKind kind, string adminConnectionString, PostgreSqlContainer? container, LocalCluster? cluster)
    {
        Kind = kind;
        AdminConnectionString = adminConnectionString;
        _container = container;
        _cluster = cluster;
    }

    /// <summary>Where the server came from.</summary>
    public PostgresServerKind Kind { get; }

    /// <summary>A superuser connection to the maintenance database.</summary>
    public string AdminConnectionString { get; }

    /// <summary>The postmaster's process id when this run started the server on this machine (a local cluster); otherwise null.</summary>
    public int? LocalServerProcessId => _cluster?.ServerProcessId;

    /// <summary>True when this run can stop and start the server (a local cluster).</summary>
    public bool CanRestart => _cluster is not null;

    /// <summary>
    /// Finds or starts a server, or throws explaining how to provide one. Tests leave <paramref name="durable"/>
    /// false: a local cluster then runs with fsync and full-page writes off. Benchmarks pass true: a local
    /// cluster keeps fsync, full_page_writes and synchronous_commit on, and an existing server or container
    /// is checked to have them on (an existing server that does not is refused, naming the setting).
    /// </summary>
    public static async Task<PostgresServer> StartAsync(bool durable = false, CancellationToken cancellationToken = default)
    {
        var server = await FindOrStartAsync(durable, cancellationToken).ConfigureAwait(false);
        if (durable)
        {
            try
            {
                await RequireDurableAsync(server.AdminConnectionString, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return server;
    }

    private static async Task<PostgresServer> FindOrStartAsync(bool durable, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var existing = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(existing))
        {
            await WaitUntilReadyAsync(existing, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return new PostgresServer(PostgresServerKind.Existing, existing, null, null);
        }

        problems.Add($"{EnvironmentVariable} is not set");

        if (DockerMayAnswer())
        {
            try
            {
                var container = new PostgreSqlBuilder("postgres:15").Build();
                await container.StartAsync(cancellationToken).ConfigureAwait(false);
                return new PostgresServer(PostgresServerKind.Container, container.GetConnectionString(), container, null);
            }
            catch (Exception exception)
            {
                problems.Add($"Testcontainers could not start PostgreSQL: {exception.GetBaseException().Message}");
            }
        }
        else
        {
            problems.Add("no Docker daemon answers");
        }

        try
        {
            var cluster = await LocalCluster.StartAsync(durable, cancellationToken).ConfigureAwait(false);
            return new PostgresServer(PostgresServerKind.LocalCluster, cluster.AdminConnectionString, null, cluster);
        }
        catch (Exception exception)
        {
            problems.Add($"no local cluster: {exception.Message}");
        }

        throw new InvalidOperationException(
            "The Postgres tests need a real PostgreSQL server and none could be found or started (" + string.Join("; ", problems) + "). " +
            $"Provide one by setting {EnvironmentVariable} to a superuser connection string (e.g. 'Host=127.0.0.1;Port=5432;Username=postgres;Password=...'), " +
            "by running a Docker daemon, or by installing the PostgreSQL server binaries (Debian: apt-get install postgresql).");
    }

    /// <summary>Throws unless fsync, full_page_writes and synchronous_commit are on: a commit must reach the disk.</summary>
    private static async Task RequireDurableAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var off = new List<string>();
        foreach (var setting in new[] { "fsync", "full_page_writes", "synchronous_commit" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SHOW {setting}";
            var value = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (value == "off")
            {
                off.Add($"{setting}={value}");
            }
        }

        if (off.Count > 0)
        {
            throw new InvalidOperationException(
                $"a durable PostgreSQL server was asked for but this one runs with {string.Join(", ", off)}; commits would not wait for the disk");
        }
    }

    /// <summary>
    /// A streaming standby of this server (hot standby: read-only connections, replaying the primary's WAL); only a local
    /// cluster started by this run can have one, any other server throws saying so.
    /// </summary>
    public async Task<PostgresServer> StartStandbyAsync(CancellationToken cancellationToken = default)
    {
        if (_cluster is null)
        {
            throw new InvalidOperationException($"a streaming standby is made from a local cluster this run started (pg_basebackup); this server is {Kind}: unset {EnvironmentVariable} and stop Docker to test the read replica");
        }

        var standby = await _cluster.StartStandbyAsync(cancellationToken).ConfigureAwait(false);
        return new PostgresServer(PostgresServerKind.LocalCluster, standby.AdminConnectionString, null, standby);
    }

    /// <summary>Waits until this standby has replayed the primary's WAL up to where the primary is now.</summary>
    public async Task WaitForReplayOfAsync(PostgresServer primary, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(primary);
        var target = await ScalarTextAsync(primary.AdminConnectionString, "SELECT pg_current_wal_lsn()::text", cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + timeout;
        string replayed;
        do
        {
            replayed = await ScalarTextAsync(AdminConnectionString, $"SELECT CASE WHEN pg_last_wal_replay_lsn() >= '{target}'::pg_lsn THEN 'yes' ELSE pg_last_wal_replay_lsn()::text END", cancellationToken).ConfigureAwait(false);
            if (replayed == "yes")
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"the standby replayed up to {replayed}, not the primary's {target}, within {timeout}");
    }

    private static async Task<string> ScalarTextAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>A connection string for <paramref name="database"/> on this server.</summary>
    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true }.ConnectionString;

    /// <summary>Creates a database (optionally from a template) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, string? template = null, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = template is null
            ? $"CREATE DATABASE \"{name}\""
            : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return ConnectionStringFor(name);
    }

    /// <summary>Drops a database, closing its connections.</summary>
    public async Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes <paramref name="database"/> away from its clients until <paramref name="noticed"/> says the client under test
    /// has seen the outage (a state, not a duration; at most <paramref name="most"/>), on any server: it stops taking
    /// connections and every open one is terminated, as in a server restart; then it takes connections again. A local
    /// cluster is stopped and started instead (<see cref="StopServerAsync"/>), which is the whole server going away.
    /// Returns whether the outage was noticed.
    /// </summary>
    public async Task<bool> InterruptAsync(string database, Func<bool> noticed, TimeSpan most, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noticed);
        if (CanRestart)
        {
            await StopServerAsync().ConfigureAwait(false);
            var seen = await WaitAsync(noticed, most, cancellationToken).ConfigureAwait(false);
            await StartServerAsync(cancellationToken).ConfigureAwait(false);
            return seen;
        }

        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()", cancellationToken).ConfigureAwait(false);
            return await WaitAsync(noticed, most, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await ExecuteAsync(connection, $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan most, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + most;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the local cluster (fast shutdown), for outage tests.</summary>
    public Task StopServerAsync() =>
        (_cluster ?? throw new InvalidOperationException("only a local cluster can be stopped by the tests")).StopAsync();

    /// <summary>Starts the local cluster again after <see cref="StopServerAsync"/>.</summary>
    public Task StartServerAsync(CancellationToken cancellationToken = default) =>
        (_cluster ?? throw new InvalidOperationException("only a local cluster can be started by the tests")).StartAgainAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_container is not null)
        {
            await _container.DisposeAsync().ConfigureAwait(false);
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static bool DockerMayAnswer()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host))
        {
            return true;
        }

        const string socket = "/var/run/docker.sock";
        if (!File.Exists(socket))
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(new UnixDomainSocketEndPoint(socket));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static async Task WaitUntilReadyAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or SocketException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
