using System.Globalization;

namespace TradingBot.Host.Worker.Composition;

/// <summary>
/// The stop signals this process was started ignoring. A process started in the background by a non-interactive shell (a
/// script's <c>nohup dotnet ... &amp;</c>, some supervisors) inherits SIGINT and SIGQUIT ignored, and the runtime keeps an
/// inherited ignore: a SIGINT then never reaches the host, and the worker trades on as if nothing was asked. Read from
/// the <c>SigIgn</c> mask of <c>/proc/self/status</c> (Linux; elsewhere nothing is reported).
/// </summary>
internal static class StopSignals
{
    private const int Interrupt = 2;
    private const int Terminate = 15;

    /// <summary>"SIGINT" and/or "SIGTERM" when this process ignores them.</summary>
    public static IReadOnlyList<string> IgnoredNow()
    {
        const string status = "/proc/self/status";
        return OperatingSystem.IsLinux() && File.Exists(status) ? Ignored(File.ReadLines(status)) : [];
    }

    /// <summary>The ignored stop signals named by a <c>/proc/[pid]/status</c> text's <c>SigIgn</c> line (bit n-1 is signal n).</summary>
    public static IReadOnlyList<string> Ignored(IEnumerable<string> statusLines)
    {
        ArgumentNullException.ThrowIfNull(statusLines);
        var line = statusLines.FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        if (line is null || !ulong.TryParse(line["SigIgn:".Length..].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var mask))
        {
            return [];
        }

        var ignored = new List<string>();
        if ((mask & (1UL << (Interrupt - 1))) != 0)
        {
            ignored.Add("SIGINT");
        }

        if ((mask & (1UL << (Terminate - 1))) != 0)
        {
            ignored.Add("SIGTERM");
        }

        return ignored;
    }

    /// <summary>What does stop the worker when <paramref name="ignored"/> do not.</summary>
    public static string Advice(IReadOnlyList<string> ignored) =>
        ignored.Contains("SIGTERM")
            ? "only SIGKILL stops it, and the next start then recovers what the last step left (start it so that SIGTERM is not ignored)"
            : "stop it with SIGTERM (kill <pid>, systemctl stop, docker stop), which finishes the step in progress";
}
