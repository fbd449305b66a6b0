using System.Globalization;

namespace TradingBot.Host.Worker.Composition;

/// <summary>
/// Whether this process was started ignoring SIGINT. A process started in the background by a non-interactive shell (a
/// script's <c>dotnet ... &amp;</c>, with or without nohup) inherits SIGINT ignored, and the runtime keeps an inherited
/// ignore of SIGINT: a SIGINT then never reaches the host, and the worker trades on as if nothing was asked. (SIGTERM is
/// not affected: the runtime handles it whatever it inherited.) Read from the <c>SigIgn</c> mask of
/// <c>/proc/self/status</c> (Linux; elsewhere nothing is reported).
/// </summary>
internal static class StopSignals
{
    private const int Interrupt = 2;

    /// <summary>True when this process ignores SIGINT.</summary>
    public static bool InterruptIgnoredNow()
    {
        const string status = "/proc/self/status";
        return OperatingSystem.IsLinux() && File.Exists(status) && InterruptIgnored(File.ReadLines(status));
    }

    /// <summary>True when a <c>/proc/[pid]/status</c> text's <c>SigIgn</c> mask (bit n-1 is signal n) holds SIGINT.</summary>
    public static bool InterruptIgnored(IEnumerable<string> statusLines)
    {
        ArgumentNullException.ThrowIfNull(statusLines);
        var line = statusLines.FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null
            && ulong.TryParse(line["SigIgn:".Length..].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var mask)
            && (mask & (1UL << (Interrupt - 1))) != 0;
    }
}
