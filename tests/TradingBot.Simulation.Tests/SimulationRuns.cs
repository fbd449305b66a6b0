using System.Diagnostics;
using System.Globalization;

namespace TradingBot.Simulation.Tests;

/// <summary>Runs seeds of the simulation and reports, for the tests' messages and progress, what they found and how fast.</summary>
internal static class SimulationRuns
{
    /// <summary>The cycles with faults per seed in the CI budget (the long mode defaults to more).</summary>
    public const int CiCycles = 30;

    /// <summary>Runs seeds <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1; returns the failed runs (stops after <paramref name="stopAfterFailures"/>).</summary>
    public static async Task<(IReadOnlyList<SimulationResult> Failed, int Ran)> RunAsync(
        SimulationLedgers ledgers, int first, int count, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? substitute = null, int stopAfterFailures = int.MaxValue)
    {
        var failed = new List<SimulationResult>();
        var clock = Stopwatch.StartNew();
        var ran = 0;
        for (var seed = first; seed < first + count && failed.Count < stopAfterFailures; seed++)
        {
            var result = await Simulation.RunAsync(new SimulationSettings(seed) { Cycles = CiCycles, Substitute = substitute }, ledgers);
            ran++;
            if (!result.Passed)
            {
                failed.Add(result);
                var file = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"simulation-{ledgers.Kind}-{seed}{(substitute is null ? string.Empty : "-substituted")}.trace");
                await File.WriteAllLinesAsync(file, result.Trace);
                TestContext.AddTestAttachment(file, $"the trace of seed {seed}");
            }
        }

        TestContext.Progress.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{ran} seed(s) from {first} on {ledgers.Kind} in {clock.Elapsed.TotalSeconds:F1} s ({ran / clock.Elapsed.TotalSeconds:F1} seeds/s), {failed.Count} failed{(failed.Count > 0 ? ": " + string.Join(", ", failed.Select(f => f.Seed)) : string.Empty)}"));
        return (failed, ran);
    }

    public static string Describe(IEnumerable<SimulationResult> results) => string.Join(Environment.NewLine + Environment.NewLine, results.Select(r => r.Summary));
}
