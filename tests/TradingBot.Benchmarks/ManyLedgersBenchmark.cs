using System.Diagnostics;
using System.Globalization;

namespace TradingBot.Benchmarks;

/// <summary>
/// Many bots on one Postgres: 1, 4 and 16 ledgers, each its own database with one writer recording fills through the
/// EF path as fast as it can (a worker never has two fills in flight), against pgbench TPC-B with as many clients on
/// the same server in the same round. Prints the aggregate fills/s and the p50/p99 of one record-fill.
/// </summary>
internal static class ManyLedgersBenchmark
{
    public static readonly int[] LedgerCounts = [1, 4, 16];

    public static async Task RunAsync(BenchmarkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pgbench = Pgbench.Find()
            ?? throw new InvalidOperationException("pgbench is neither on PATH nor in the folder 'pg_config --bindir' names");
        Console.WriteLine("Starting a durable PostgreSQL server (fsync, full_page_writes, synchronous_commit on)...");
        await using var postgres = await PostgresProvider.StartAsync(cancellationToken);
        Console.Write("  JIT warm-up, 1 ledger ... ");
        await MeasureAsync(postgres, 1, options, options.JitWarmUp, cancellationToken);
        Console.WriteLine("done");
        var rows = new List<string>();
        foreach (var count in LedgerCounts)
        {
            var rates = new List<double>();
            var p50s = new List<double>();
            var p99s = new List<double>();
            var pgbenchTps = new List<double>();
            var pgbenchLatency = new List<double>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                Console.Write(string.Create(CultureInfo.InvariantCulture, $"  {count} ledger(s), one EF writer each, round {round} ... "));
                var (rate, p50, p99) = await MeasureAsync(postgres, count, options, null, cancellationToken);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rate:F1} fills/s, p50 {p50:F2} ms, p99 {p99:F2} ms"));
                rates.Add(rate);
                p50s.Add(p50);
                p99s.Add(p99);

                Console.Write(string.Create(CultureInfo.InvariantCulture, $"  pgbench TPC-B, {count} client(s), round {round} ... "));
                var baseline = await Pgbench.RunAsync(pgbench, postgres, count, (int)options.Measure.TotalSeconds, cancellationToken);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{baseline.Tps:F1} tps, average latency {baseline.LatencyMs:F2} ms"));
                pgbenchTps.Add(baseline.Tps);
                pgbenchLatency.Add(baseline.LatencyMs);
            }

            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {count} | {Median(rates):F1} | {Median(p50s):F2} | {Median(p99s):F2} | {Median(pgbenchTps):F1} | {Median(pgbenchLatency):F2} | **{Median(rates) / Median(pgbenchTps):F2}x** |"));
        }

        Console.WriteLine();
        Console.WriteLine($"# Many ledgers on one Postgres (medians of {options.Rounds} round(s), {options.Measure.TotalSeconds:F0} s each)");
        Console.WriteLine();
        Console.WriteLine("| ledgers (one writer each) | fills/s, all ledgers | p50 ms | p99 ms | pgbench TPC-B tps, as many clients | pgbench average ms | fills/s / tps |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }
    }

    private static async Task<(double Rate, double P50, double P99)> MeasureAsync(PostgresProvider postgres, int count, BenchmarkOptions options, TimeSpan? measure, CancellationToken cancellationToken)
    {
        var window = (From: options.WarmUp, Until: options.WarmUp + (measure ?? options.Measure));
        var ledgers = new List<BenchLedger>();
        var writers = new List<TimedFillWriter>();
        var run = new Stopwatch();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var ledger = await postgres.CreateLedgerAsync($"many{i}", null, cancellationToken);
                ledgers.Add(ledger);
                var order = Workload.NewOrder(0);
                await ledger.CreateOrdersAsync([order], cancellationToken);
                writers.Add(new TimedFillWriter(new EfFillWriter(ledger.NewRecordFill(), order.Id, 0), run));
            }

            run.Start(); // every writer's times count from here, where the measurement's warm-up begins
            var result = await Throughput.MeasureAsync(writers, options.WarmUp, measure ?? options.Measure, postgres.ServerCpu);
            var latencies = writers.SelectMany(w => w.Latencies(window.From, window.Until)).Order().ToList();
            return (result.PerSecond, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
        }
        finally
        {
            foreach (var ledger in ledgers)
            {
                await ledger.DisposeAsync();
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : FundingBenchmark.Percentile(sorted, p);

    /// <summary>Times each fill of the writer it wraps, from the start of its call to its commit; <paramref name="run"/> says when it ended.</summary>
    private sealed class TimedFillWriter(IFillWriter inner, Stopwatch run) : IFillWriter
    {
        private readonly List<(TimeSpan EndedAt, double Milliseconds)> _fills = [];

        public async Task RecordNextAsync()
        {
            var started = Stopwatch.GetTimestamp();
            await inner.RecordNextAsync();
            _fills.Add((run.Elapsed, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        }

        /// <summary>The fills that ended between <paramref name="from"/> and <paramref name="until"/> into the run.</summary>
        public IEnumerable<double> Latencies(TimeSpan from, TimeSpan until) => _fills.Where(f => f.EndedAt >= from && f.EndedAt <= until).Select(f => f.Milliseconds);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
