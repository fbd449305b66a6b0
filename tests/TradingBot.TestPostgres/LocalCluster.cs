using System.Diagnostics;
using Npgsql;

namespace TradingBot.TestPostgres;

/// <summary>
/// A throwaway PostgreSQL cluster in a temporary folder on a free loopback port, started from the local
/// binaries. PostgreSQL refuses to run as root, so under root it runs as the 'postgres' user via runuser.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private const string ServiceUser = "postgres";

    private readonly string _binDirectory;
    private readonly string _folder;
    private readonly int _port;
    private readonly bool _asServiceUser;
    private readonly bool _durable;

    private LocalCluster(string binDirectory, string folder, int port, bool asServiceUser, bool durable)
    {
        _binDirectory = binDirectory;
        _folder = folder;
        _port = port;
        _asServiceUser = asServiceUser;
        _durable = durable;
    }

    public string AdminConnectionString =>
        $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Timeout=15;Include Error Detail=true";

    private string DataDirectory => Path.Combine(_folder, "data");

    /// <summary>The running postmaster's process id (the first line of <c>postmaster.pid</c>), or null when it is not running.</summary>
    public int? ServerProcessId
    {
        get
        {
            try
            {
                var first = File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).FirstOrDefault();
                return int.TryParse(first, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : null;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Starts a cluster. Tests run it with fsync and full-page writes off (fast, nothing survives a crash);
    /// <paramref name="durable"/> keeps PostgreSQL's durable defaults (fsync, full_page_writes,
    /// synchronous_commit on), so a commit waits for its WAL flush — what benchmarks must measure.
    /// </summary>
    public static async Task<LocalCluster> StartAsync(bool durable, CancellationToken cancellationToken)
    {
        var bin = FindBinDirectory()
            ?? throw new InvalidOperationException("initdb and pg_ctl are neither on PATH nor in the folder 'pg_config --bindir' names");
        var asServiceUser = RunsAsRoot;
        var folder = Directory.CreateTempSubdirectory("tradingbot-pg-").FullName;
        var cluster = new LocalCluster(bin, folder, PostgresServer.FreeLoopbackPort(), asServiceUser, durable);
        try
        {
            if (asServiceUser)
            {
                await GiveToServiceUserAsync(folder, cancellationToken).ConfigureAwait(false);
            }

            await cluster.RunPgAsync("initdb", ["-D", cluster.DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"], cancellationToken).ConfigureAwait(false);
            await cluster.StartAgainAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A streaming standby of this cluster on its own free port: <c>pg_basebackup -R -X stream</c> into a new folder (the
    /// backup writes the standby's primary_conninfo and standby.signal), then started; it accepts read-only connections.
    /// </summary>
    public async Task<LocalCluster> StartStandbyAsync(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("tradingbot-pg-standby-").FullName;
        var standby = new LocalCluster(_binDirectory, folder, PostgresServer.FreeLoopbackPort(), _asServiceUser, _durable);
        try
        {
            if (_asServiceUser)
            {
                await GiveToServiceUserAsync(folder, cancellationToken).ConfigureAwait(false);
            }

            await RunPgAsync("pg_basebackup", ["-h", "127.0.0.1", "-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-D", standby.DataDirectory, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"], cancellationToken).ConfigureAwait(false);
            await standby.StartAgainAsync(cancellationToken).ConfigureAwait(false);
            return standby;
        }
        catch
        {
            await standby.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        var durability = _durable
            ? "-c fsync=on -c full_page_writes=on -c synchronous_commit=on"
            : "-c fsync=off -c full_page_writes=off";
        var options = $"-p {_port} -k {_folder} -c listen_addresses=127.0.0.1 {durability} -c max_connections=200 -c shared_buffers=256MB";
        await RunPgAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(_folder, "server.log"), "-o", options, "-w", "-t", "60", "start"], cancellationToken).ConfigureAwait(false);
        await PostgresServer.WaitUntilReadyAsync(AdminConnectionString, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunPgAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                NpgsqlConnection.ClearAllPools();
                await RunPgAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already stopped; the folder is removed below either way.
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task<string> RunPgAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = ToolPath(tool);
        return _asServiceUser
            ? RunAsync("runuser", ["-u", ServiceUser, "--", path, .. arguments], cancellationToken)
            : RunAsync(path, arguments, cancellationToken);
    }

    /// <summary>True under root, which PostgreSQL and PgBouncer refuse: they then run as the 'postgres' user.</summary>
    internal static bool RunsAsRoot => Environment.UserName == "root" || geteuid() == 0;

    /// <summary>Gives <paramref name="folder"/> to the 'postgres' user, for a server run as that user.</summary>
    internal static Task GiveToServiceUserAsync(string folder, CancellationToken cancellationToken) =>
        RunAsync("chown", ["-R", $"{ServiceUser}:", folder], cancellationToken);

    /// <summary>Runs a tool to its end; returns what it wrote, or throws with its exit code and error output.</summary>
    internal static async Task<string> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }

        return await output.ConfigureAwait(false);
    }

    // PATH may hold links to a few of the tools only (initdb, pg_ctl): the others are beside pg_ctl's target.
    private string ToolPath(string tool)
    {
        var path = Path.Combine(_binDirectory, tool);
        if (File.Exists(path))
        {
            return path;
        }

        var pgCtl = File.ResolveLinkTarget(Path.Combine(_binDirectory, "pg_ctl"), returnFinalTarget: true);
        var beside = pgCtl is null ? null : Path.Combine(Path.GetDirectoryName(pgCtl.FullName)!, tool);
        return beside is not null && File.Exists(beside) ? beside : Path.Combine(FindBinDirectoryFromPgConfig() ?? _binDirectory, tool);
    }

    private static string? FindBinDirectory()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (directory.Length > 0 && File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")))
            {
                return directory;
            }
        }

        return FindBinDirectoryFromPgConfig();
    }

    internal static string? FindBinDirectoryFromPgConfig()
    {
        try
        {
            var start = new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, UseShellExecute = false };
            using var process = Process.Start(start);
            var bin = process?.StandardOutput.ReadToEnd().Trim();
            process?.WaitForExit();
            return !string.IsNullOrEmpty(bin) && File.Exists(Path.Combine(bin, "initdb")) ? bin : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();
}
