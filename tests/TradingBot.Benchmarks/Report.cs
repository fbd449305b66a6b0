using System.Globalization;

namespace TradingBot.Benchmarks;

/// <summary>One provider at one writer count: the EF path next to its baselines from the same run, one result per round.</summary>
internal sealed record FillScenario(
    string Provider, string RawClient, int Writers, IReadOnlyList<ThroughputResult> Ef, IReadOnlyList<ThroughputResult> Raw, IReadOnlyList<PgbenchResult> Pgbench, IReadOnlyList<PgbenchResult> PgbenchLedger)
{
    public double EfMedian => Median(Ef.Select(r => r.PerSecond));

    public double RawMedian => Median(Raw.Select(r => r.PerSecond));

    public double? PgbenchMedian => Pgbench.Count == 0 ? null : Median(Pgbench.Select(r => r.Tps));

    public double? PgbenchLedgerMedian => PgbenchLedger.Count == 0 ? null : Median(PgbenchLedger.Select(r => r.Tps));

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>Collects the figures and prints them as Markdown tables (readable in a terminal, pasteable into docs).</summary>
internal sealed class Report(BenchmarkOptions options)
{
    public const double RawTarget = 0.8;
    public const double PgbenchTarget = 0.7;

    private readonly List<(string Section, string Name, string Value)> _environment = [];
    private readonly List<FillScenario> _fills = [];
    private readonly List<(string Provider, FundingResult Result)> _funding = [];

    public void AddEnvironment(string section, IEnumerable<(string Name, string Value)> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        _environment.AddRange(lines.Select(l => (section, l.Name, l.Value)));
    }

    public void Add(FillScenario scenario) => _fills.Add(scenario);

    public void Add(string provider, FundingResult result) => _funding.Add((provider, result));

    public void Print(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine();
        output.WriteLine(Invariant($"# Results ({(options.Quick ? "--quick smoke run: figures are indicative only" : "full run")}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC)"));
        output.WriteLine();
        output.WriteLine("## Machine");
        output.WriteLine();
        output.WriteLine("| | |");
        output.WriteLine("|---|---|");
        foreach (var (section, name, value) in _environment)
        {
            output.WriteLine($"| {(section.Length == 0 ? name : $"{section}: {name}")} | {value.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        if (_fills.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(Invariant(
                $"## Record-fill throughput (durable commits: committed fills/s over {options.Measure.TotalSeconds:0.#} s after a {options.WarmUp.TotalSeconds:0.#} s warm-up; median of {options.Rounds} round(s), each path JIT-warmed for {options.JitWarmUp.TotalSeconds:0.#} s first)"));
            output.WriteLine();
            output.WriteLine("| provider | writers | EF path (fills/s) | baseline | baseline (/s) | EF / baseline | target | result |");
            output.WriteLine("|---|---:|---:|---|---:|---:|---:|---|");
            foreach (var scenario in _fills)
            {
                Row(output, scenario, $"raw ADO.NET ({scenario.RawClient})", scenario.RawMedian, RawTarget);
                if (scenario.PgbenchMedian is { } pgbench)
                {
                    Row(output, scenario, "pgbench TPC-B (tps)", pgbench, PgbenchTarget);
                }

                if (scenario.PgbenchLedgerMedian is { } ledgerStatements)
                {
                    Row(output, scenario, "pgbench running the ledger's record-fill statements (tps)", ledgerStatements, null);
                }
            }

            output.WriteLine();
            output.WriteLine("Every round (fills/s or tps, in the order run), and the fills each whole run committed (warm-up and tail included; the row counts were checked against them):");
            output.WriteLine();
            foreach (var scenario in _fills)
            {
                static string Rounds(IEnumerable<double> values) => string.Join(" / ", values.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)));
                var pgbench = scenario.Pgbench.Count > 0
                    ? Invariant($"; pgbench TPC-B {Rounds(scenario.Pgbench.Select(p => p.Tps))} (latency average {string.Join(" / ", scenario.Pgbench.Select(p => p.LatencyMs.ToString("F3", CultureInfo.InvariantCulture)))} ms)")
                    : "";
                pgbench += scenario.PgbenchLedger.Count > 0
                    ? Invariant($"; pgbench with the ledger's statements {Rounds(scenario.PgbenchLedger.Select(p => p.Tps))} (latency average {string.Join(" / ", scenario.PgbenchLedger.Select(p => p.LatencyMs.ToString("F3", CultureInfo.InvariantCulture)))} ms)")
                    : "";
                static string Totals(IEnumerable<ThroughputResult> results) => string.Join(" / ", results.Select(r => r.Total.ToString("N0", CultureInfo.InvariantCulture)));
                static string Steal(IReadOnlyList<ThroughputResult> results) => results.All(r => r.HostSteal is not null)
                    ? Invariant($"; host CPU stolen {string.Join(" / ", results.Select(r => (r.HostSteal!.Value * 100).ToString("F1", CultureInfo.InvariantCulture)))} %")
                    : "";
                output.WriteLine(Invariant(
                    $"- {scenario.Provider}, {scenario.Writers} writer(s): EF {Rounds(scenario.Ef.Select(r => r.PerSecond))} ({Totals(scenario.Ef)} fills{Steal(scenario.Ef)}), raw {Rounds(scenario.Raw.Select(r => r.PerSecond))} ({Totals(scenario.Raw)} fills{Steal(scenario.Raw)}){pgbench}"));
            }
        }

        var split = _fills.Where(f => f.Writers == 1 && f.Ef.Concat(f.Raw).All(r => r.InCommandsPerFill is not null)).ToList();
        if (split.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("## Where one writer's time per fill goes (medians of the rounds, ms)");
            output.WriteLine();
            output.WriteLine("Inside Npgsql commands: from the start of a command's execution to the end of its results (sending, the server's work and durable commit, reading the answer). Between commands: the client's own work (Domain, mapping, EF Core and the unit of work, or the raw writer).");
            output.WriteLine();
            output.WriteLine("| provider | path | wall per fill | inside Npgsql commands | between commands | client CPU | server CPU |");
            output.WriteLine("|---|---|---:|---:|---:|---:|---:|");
            foreach (var scenario in split)
            {
                foreach (var (path, results) in new[] { ("EF", scenario.Ef), ("raw", scenario.Raw) })
                {
                    var wall = FillScenario.Median(results.Select(r => r.WallPerFillPerWriter(1)));
                    var inside = FillScenario.Median(results.Select(r => r.InCommandsPerFill!.Value));
                    var between = FillScenario.Median(results.Select(r => r.WallPerFillPerWriter(1) - r.InCommandsPerFill!.Value));
                    var server = results.All(r => r.ServerCpuPerFill is not null) ? FillScenario.Median(results.Select(r => r.ServerCpuPerFill!.Value)).ToString("F3", CultureInfo.InvariantCulture) : "–";
                    output.WriteLine(Invariant(
                        $"| {scenario.Provider} | {path} | {wall:F3} | {inside:F3} | {between:F3} | {FillScenario.Median(results.Select(r => r.ClientCpuPerFill)):F3} | {server} |"));
                }
            }
        }

        if (_funding.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("## 24h funding query (IFundingSnapshotRepository.GetRangeAsync through the unit of work)");
            output.WriteLine();
            output.WriteLine("| provider | funding_snapshots rows | load | ANALYZE | rows returned | median | p95 | min | max | runs | raw ADO.NET, same command, into the same snapshots | EF / raw | target | raw ADO.NET, values only (floor) | EF / floor | appends/s (one unit of work each) |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (provider, r) in _funding)
            {
                output.WriteLine(Invariant(
                    $"| {provider} | {r.Rows:N0} | {r.Load.TotalSeconds:F1} s | {r.Analyze.TotalSeconds:F1} s | {r.RowsReturned:N0} | {r.MedianMs:F2} ms | {r.P95Ms:F2} ms | {r.MinMs:F2} ms | {r.MaxMs:F2} ms | {r.Iterations} | {r.RawMedianMs:F2} ms | **{r.MedianMs / r.RawMedianMs:F2}x** | ≤ 1.3x | {r.RawValuesMedianMs:F2} ms | {r.MedianMs / r.RawValuesMedianMs:F2}x | {r.AppendsPerSecond:F0} |"));
            }

            output.WriteLine();
            foreach (var (provider, r) in _funding)
            {
                output.WriteLine($"- {provider} plan: {r.Plan}");
            }
        }
    }

    private static void Row(TextWriter output, FillScenario scenario, string baseline, double baselinePerSecond, double? target)
    {
        var ratio = scenario.EfMedian / baselinePerSecond;
        var verdict = target is not { } goal ? "(reference: no target)" : ratio >= goal ? "PASS" : Invariant($"MISS ({1 - (ratio / goal):P0} below target)");
        output.WriteLine(Invariant(
            $"| {scenario.Provider} | {scenario.Writers} | {scenario.EfMedian:F1} | {baseline} | {baselinePerSecond:F1} | {ratio:F2}x | {(target is { } t ? $"≥ {t:F1}x" : "–")} | {verdict} |"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
