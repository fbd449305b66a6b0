using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace TradingBot.TestPostgres;

/// <summary>
/// PgBouncer in transaction mode in front of a test server, on a free loopback port, with a small server pool: what a
/// managed Postgres's pooler (Supabase's, a PgBouncer sidecar) gives a client. It refuses to run as root, so under root it
/// runs as the 'postgres' user. Without the pgbouncer binary it throws saying how to install it: tests never skip.
/// </summary>
public sealed class PgBouncer : IAsyncDisposable
{
    /// <summary>Server connections PgBouncer keeps per database and user.</summary>
    public const int PoolSize = 2;

    private static readonly string[] Binaries = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"];

    private readonly Process _process;
    private readonly string _folder;

    private PgBouncer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    /// <summary>The port clients connect to.</summary>
    public int Port { get; }

    /// <summary><paramref name="directConnectionString"/> with its host and port replaced by the pooler's.</summary>
    public string Through(string directConnectionString) =>
        new NpgsqlConnectionStringBuilder(directConnectionString) { Host = "127.0.0.1", Port = Port }.ConnectionString;

    /// <summary>Starts PgBouncer in front of <paramref name="server"/> (any of its databases, user postgres, trusted).</summary>
    public static async Task<PgBouncer> StartAsync(PostgresServer server, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var binary = Binaries.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("pgbouncer is not installed; the pooler tests need it (Debian: apt-get install pgbouncer; .ci/run installs it)");
        var target = new NpgsqlConnectionStringBuilder(server.AdminConnectionString);
        var folder = Directory.CreateTempSubdirectory("tradingbot-pgbouncer-").FullName;
        var port = PostgresServer.FreeLoopbackPort();
        var config = Path.Combine(folder, "pgbouncer.ini");
        await File.WriteAllTextAsync(Path.Combine(folder, "users.txt"), "\"postgres\" \"\"\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
            [databases]
            * = host={target.Host} port={target.Port}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = trust
            auth_file = {folder}/users.txt
            pool_mode = transaction
            default_pool_size = {PoolSize}
            max_client_conn = 200
            ignore_startup_parameters = extra_float_digits,options
            admin_users = postgres
            logfile = {folder}/pgbouncer.log
            """), cancellationToken).ConfigureAwait(false);

        var asRoot = LocalCluster.RunsAsRoot;
        var start = new ProcessStartInfo(asRoot ? "runuser" : binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (asRoot)
        {
            await LocalCluster.GiveToServiceUserAsync(folder, cancellationToken).ConfigureAwait(false);
            foreach (var argument in new[] { "-u", "postgres", "--", binary })
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.ArgumentList.Add(config);
        var process = Process.Start(start) ?? throw new InvalidOperationException("pgbouncer did not start");
        var pooler = new PgBouncer(process, folder, port);
        try
        {
            await PostgresServer.WaitUntilReadyAsync(pooler.Through(server.AdminConnectionString), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return pooler;
        }
        catch
        {
            await pooler.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Transactions PgBouncer has passed to the server for <paramref name="database"/> (its SHOW STATS), to prove traffic went through it.</summary>
    public async Task<long> TransactionsAsync(string database, CancellationToken cancellationToken = default)
    {
        var rows = await AdminAsync("SHOW STATS", cancellationToken).ConfigureAwait(false);
        return rows.Where(r => r["database"] == database).Select(r => long.Parse(r["total_xact_count"], CultureInfo.InvariantCulture)).FirstOrDefault();
    }

    /// <summary>The application names of the clients connected to PgBouncer now (its SHOW CLIENTS).</summary>
    public async Task<List<string>> ClientApplicationsAsync(CancellationToken cancellationToken = default)
    {
        var rows = await AdminAsync("SHOW CLIENTS", cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.GetValueOrDefault("application_name", string.Empty))];
    }

    // PgBouncer's admin console speaks only the simple query protocol, which Npgsql does not: psql asks it.
    private async Task<List<Dictionary<string, string>>> AdminAsync(string show, CancellationToken cancellationToken)
    {
        var psql = Path.Combine(LocalCluster.FindBinDirectoryFromPgConfig() ?? "/usr/bin", "psql");
        var output = await LocalCluster.RunAsync(
            File.Exists(psql) ? psql : "psql",
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "pgbouncer", "-A", "-F", "|", "-P", "footer=off", "-c", show],
            cancellationToken).ConfigureAwait(false);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var names = lines[0].Split('|');
        return [.. lines.Skip(1).Select(line => names.Zip(line.Split('|')).ToDictionary(c => c.First, c => c.Second, StringComparer.Ordinal))];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
