using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;

namespace TradingBot.Benchmarks;

/// <summary>What the figures were measured on.</summary>
internal static class Machine
{
    public static IReadOnlyList<(string Name, string Value)> Describe(string dataFolder)
    {
        var lines = new List<(string, string)>
        {
            ("CPU", CpuModel()),
            ("cores", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)),
            ("memory", Memory()),
            ("OS", $"{OsName()} (kernel {Environment.OSVersion.Version}, {RuntimeInformation.OSArchitecture})"),
            (".NET", $"{RuntimeInformation.FrameworkDescription} ({(GCSettings.IsServerGC ? "server" : "workstation")} GC, {Configuration()})"),
            ("thread-pool spin limit", $"{AppContext.GetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit") ?? "default"} (as the worker host: idle pool threads sleep instead of spinning)"),
            ("EF Core", VersionOf(typeof(Microsoft.EntityFrameworkCore.DbContext))),
            ("Npgsql", VersionOf(typeof(Npgsql.NpgsqlConnection))),
            ("Microsoft.Data.Sqlite", VersionOf(typeof(Microsoft.Data.Sqlite.SqliteConnection))),
            ("storage", Storage(dataFolder)),
            ("fsync of an 8 KiB write", FsyncLatency(dataFolder)),
        };
        return lines;
    }

    private static string Configuration()
    {
        var debuggable = typeof(Machine).Assembly.GetCustomAttribute<DebuggableAttribute>();
        return debuggable?.IsJITOptimizerDisabled == true ? "Debug build" : "Release build";
    }

    private static string VersionOf(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString()
        ?? "?";

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    private static string Memory()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return string.Create(CultureInfo.InvariantCulture, $"{kib / 1024.0 / 1024.0:F1} GiB");
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or FormatException)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024.0 / 1024.0:F1} GiB available to .NET");
        }
    }

    private static string OsName()
    {
        try
        {
            var line = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.OSDescription : line["PRETTY_NAME=".Length..].Trim('"');
        }
        catch (IOException)
        {
            return RuntimeInformation.OSDescription;
        }
    }

    /// <summary>The device and file system holding the SQLite files (and, on a local cluster, the Postgres data).</summary>
    private static string Storage(string folder)
    {
        try
        {
            var full = Path.GetFullPath(folder);
            var best = File.ReadLines("/proc/mounts")
                .Select(l => l.Split(' '))
                .Where(f => f.Length > 2 && full.StartsWith(f[1], StringComparison.Ordinal))
                .MaxBy(f => f[1].Length);
            return best is null ? folder : $"{best[0]} ({best[2]}) mounted at {best[1]}";
        }
        catch (IOException)
        {
            return folder;
        }
    }

    /// <summary>Median of 100 overwrites of one 8 KiB block, each flushed to disk: the floor under one durable commit.</summary>
    private static string FsyncLatency(string folder)
    {
        var file = Path.Combine(folder, "fsync-probe.bin");
        try
        {
            var block = new byte[8192];
            var samples = new List<double>();
            using (var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                for (var i = 0; i < 105; i++)
                {
                    var clock = Stopwatch.StartNew();
                    stream.Position = 0;
                    stream.Write(block);
                    stream.Flush(flushToDisk: true);
                    if (i >= 5)
                    {
                        samples.Add(clock.Elapsed.TotalMilliseconds);
                    }
                }
            }

            samples.Sort();
            return string.Create(CultureInfo.InvariantCulture, $"median {samples[samples.Count / 2]:F2} ms, p95 {samples[(int)(samples.Count * 0.95)]:F2} ms (write + fsync, 100 samples)");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
