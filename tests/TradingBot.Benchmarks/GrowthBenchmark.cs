using System.Diagnostics;

using static System.FormattableString;

namespace TradingBot.Benchmarks;

/// <summary>
/// Record-fill throughput as the ledger grows: for each size (10k, 1M and, with a larger --growth, 10M fills of
/// history with their orders and audit events, seeded in bulk), a ledger of that size takes the EF record-fill path
/// with 1 and 4 writers, each on an order of its own, for <see cref="BenchmarkOptions.Rounds"/> rounds, every round
/// measuring every size in turn. The baseline is the smallest size in the same rounds; the target is at least 0.8x of it at every size.
/// </summary>
internal static class GrowthBenchmark
{
    public const double Target = 0.8;

    public static async Task RunAsync(LedgerProvider provider, IReadOnlyList<int> sizes, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(options);
        var rates = new Dictionary<(int Size, int Writers), List<double>>();
        var disk = new Dictionary<int, long>();
        var ledgers = new List<(int Size, BenchLedger Ledger)>();
        try
        {
            foreach (var size in sizes)
            {
                var ledger = await provider.CreateLedgerAsync($"growth{size}", null, cancellationToken);
                ledgers.Add((size, ledger));
                var clock = Stopwatch.StartNew();
                await provider.SeedHistoryAsync(ledger, size, cancellationToken);
                disk[size] = await provider.SizeAsync(ledger, cancellationToken);
                var counts = await LedgerCheck.CountAsync(ledger, cancellationToken);
                Console.WriteLine(Invariant($"  {provider.Name}, {size:N0} fills of history seeded in {clock.Elapsed.TotalSeconds:F0} s ({counts}; {disk[size] / 1048576.0:F0} MiB)"));
            }

            if (options.GrowthReadsOnly)
            {
                await GrowthReads.RunAsync(provider, ledgers, options, cancellationToken);
                return;
            }

            Console.Write("    JIT warm-up ... ");
            await MeasureAsync(provider, ledgers[0].Ledger, 1, "jit-", options.WarmUp, options.JitWarmUp);
            Console.WriteLine("done");

            // Each round measures every size, in an order that rotates, so the baseline meets the same minutes of the
            // machine as the large ledgers (its speed moves by 20-30 % from minute to minute).
            foreach (var writers in options.WriterCounts)
            {
                for (var round = 1; round <= options.Rounds; round++)
                {
                    for (var k = 0; k < ledgers.Count; k++)
                    {
                        var (size, ledger) = ledgers[(k + round) % ledgers.Count];
                        var result = await MeasureAsync(provider, ledger, writers, $"r{round}n{writers}-", options.WarmUp, options.Measure);
                        Console.WriteLine(Invariant($"    {size:N0} fills of history, {writers} writer(s), round {round}: {result.PerSecond:F1} fills/s ({result.ClientCpuPerFill:F3} ms client CPU per fill)"));
                        (rates.TryGetValue((size, writers), out var list) ? list : rates[(size, writers)] = []).Add(result.PerSecond);
                    }
                }
            }

            PrintRates(provider, sizes, options, rates, disk);
            await GrowthReads.RunAsync(provider, ledgers, options, cancellationToken);
        }
        finally
        {
            foreach (var (_, ledger) in ledgers)
            {
                await ledger.DisposeAsync();
            }
        }

    }

    private static void PrintRates(LedgerProvider provider, IReadOnlyList<int> sizes, BenchmarkOptions options, Dictionary<(int Size, int Writers), List<double>> rates, Dictionary<int, long> disk)
    {
        Console.WriteLine();
        Console.WriteLine(Invariant($"# Record-fill as the ledger grows: {provider.Name} (EF path, fills/s, medians of {options.Rounds} round(s) of {options.Measure.TotalSeconds:F0} s; baseline: {sizes[0]:N0} fills of history, same run)"));
        Console.WriteLine();
        Console.WriteLine("| fills of history | database MiB | " + string.Join(" | ", options.WriterCounts.Select(w => Invariant($"{w} writer(s) | / {sizes[0]:N0}"))) + " |");
        Console.WriteLine("|---:|---:|" + string.Concat(options.WriterCounts.Select(_ => "---:|---:|")));
        foreach (var size in sizes)
        {
            var cells = options.WriterCounts.Select(w =>
            {
                var median = FillScenario.Median(rates[(size, w)]);
                var ratio = median / FillScenario.Median(rates[(sizes[0], w)]);
                return Invariant($"{median:F1} | **{ratio:F2}x**{(ratio < Target ? " (missed)" : "")}");
            });
            Console.WriteLine(Invariant($"| {size:N0} | {disk[size] / 1048576.0:F0} | ") + string.Join(" | ", cells) + " |");
        }

        Console.WriteLine(Invariant($"Target: at least {Target:F1}x of the smallest size at every size. The ledgers are dropped afterwards."));
    }

    // Fresh OPEN orders for the writers (tagged with the run), then the EF record-fill path as fast as it goes.
    private static async Task<ThroughputResult> MeasureAsync(LedgerProvider provider, BenchLedger ledger, int writers, string run, TimeSpan warmUp, TimeSpan measure)
    {
        var orders = Enumerable.Range(0, writers).Select(w => Workload.NewOrder(w, run)).ToList();
        await ledger.CreateOrdersAsync(orders, CancellationToken.None);
        var fillWriters = orders.Select((order, w) => (IFillWriter)new EfFillWriter(ledger.NewRecordFill(), order.Id, w, run)).ToList();
        await provider.BeforeScenarioAsync(ledger, CancellationToken.None);
        return await Throughput.MeasureAsync(fillWriters, warmUp, measure, provider.ServerCpu);
    }
}
