using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using TradingBot.TestPostgres;

namespace TradingBot.Benchmarks;

/// <summary>pgbench's result: transactions per second without the initial connection time.</summary>
/// <param name="Tps">tps as pgbench reports it.</param>
/// <param name="LatencyMs">pgbench's average latency in ms.</param>
/// <param name="Transactions">Transactions processed.</param>
internal sealed record PgbenchResult(double Tps, double LatencyMs, long Transactions);

/// <summary>
/// Runs pgbench's built-in TPC-B-like script on the same durable server: <c>pgbench -i -s C</c> into its
/// own database, then <c>pgbench -n -c C -j C -T S -M prepared</c>, over TCP to the loopback address.
/// </summary>
internal static partial class Pgbench
{
    public static string? Find()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (directory.Length > 0 && File.Exists(Path.Combine(directory, "pgbench")))
            {
                return Path.Combine(directory, "pgbench");
            }
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, UseShellExecute = false });
            var bin = process?.StandardOutput.ReadToEnd().Trim();
            process?.WaitForExit();
            return !string.IsNullOrEmpty(bin) && File.Exists(Path.Combine(bin, "pgbench")) ? Path.Combine(bin, "pgbench") : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    public static async Task<PgbenchResult> RunAsync(string pgbench, PostgresProvider postgres, int clients, int seconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        var database = $"pgbench_c{clients}";
        await postgres.Server.DropDatabaseAsync(database, cancellationToken);
        await postgres.Server.CreateDatabaseAsync(database, cancellationToken: cancellationToken);
        try
        {
            await RunToolAsync(pgbench, postgres.Server, ["-i", "-s", Invariant(clients), "-q", database], cancellationToken);
            await postgres.CheckpointAsync(cancellationToken);
            var output = await RunToolAsync(
                pgbench,
                postgres.Server,
                ["-n", "-c", Invariant(clients), "-j", Invariant(clients), "-T", Invariant(seconds), "-M", "prepared", database],
                cancellationToken);
            var tps = TpsLine().Match(output);
            if (!tps.Success)
            {
                throw new InvalidOperationException($"pgbench printed no 'tps = X (without initial connection time)' line:\n{output}");
            }

            var latency = LatencyLine().Match(output);
            var processed = ProcessedLine().Match(output);
            return new PgbenchResult(
                double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
                latency.Success ? double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
                processed.Success ? long.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture) : -1);
        }
        finally
        {
            await postgres.Server.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<string> RunToolAsync(string pgbench, PostgresServer server, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnectionStringBuilder(server.AdminConnectionString);
        var start = new ProcessStartInfo(pgbench)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-h", connection.Host ?? "127.0.0.1", "-p", Invariant(connection.Port), "-U", connection.Username ?? "postgres" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (!string.IsNullOrEmpty(connection.Password))
        {
            start.Environment["PGPASSWORD"] = connection.Password;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {pgbench}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = await output + await error;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbench {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{text}");
        }

        return text;
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"latency average = ([0-9.]+) ms")]
    private static partial Regex LatencyLine();

    [GeneratedRegex(@"number of transactions actually processed: ([0-9]+)")]
    private static partial Regex ProcessedLine();
}
