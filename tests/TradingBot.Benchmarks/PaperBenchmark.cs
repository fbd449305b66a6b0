using System.Diagnostics;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Exchanges.Paper;

using static System.FormattableString;

namespace TradingBot.Benchmarks;

/// <summary>
/// The paper exchange's cost per trading cycle as its history grows: one exchange on a state file, driven by the calls a
/// worker's cycle makes (a funding quote, a market order, its lookup, the symbol's trades since the cycle began, open
/// orders, positions), at full speed. At 1k, 10k, 100k… cycles it times the next 1,000: median and p99 of a cycle, and the
/// state file's size, managed heap after a full collection and resident set. The baseline is the same exchange's first
/// window in the same run: a cost per order that does not grow reads 1.0x at every size.
/// </summary>
internal static class PaperBenchmark
{
    private const int Window = 1_000;
    private static readonly Symbol BtcUsdt = new("BTCUSDT");

    public static async Task RunAsync(int cycles, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("tradingbot-paper-bench-").FullName;
        try
        {
            var path = Path.Combine(folder, "paper-exchange.db");
            var time = new SteppedTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            using var paper = new PaperExchange(new PaperExchangeOptions { StatePath = path, Speed = 600, StartingBalance = "100000000" }, time);
            var checkpoints = new List<int>();
            for (var at = 1_000; at <= cycles; at *= 10)
            {
                checkpoints.Add(at);
            }

            var rows = new List<(int At, double Median, double P99, double PerSecond, long FileBytes, long HeapBytes, long RssBytes)>();
            var done = 0;
            var clock = Stopwatch.StartNew();
            foreach (var checkpoint in checkpoints)
            {
                while (done < checkpoint)
                {
                    await CycleAsync(paper, time, done++, cancellationToken);
                    if (done % 50_000 == 0)
                    {
                        Console.WriteLine(Invariant($"    {done:N0} cycles ({clock.Elapsed.TotalSeconds:F0} s)"));
                    }
                }

                var samples = new List<double>(Window);
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < Window; i++)
                {
                    var one = Stopwatch.GetTimestamp();
                    await CycleAsync(paper, time, done++, cancellationToken);
                    samples.Add(Stopwatch.GetElapsedTime(one).TotalMilliseconds);
                }

                var elapsed = Stopwatch.GetElapsedTime(started);
                samples.Sort();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                using var self = Process.GetCurrentProcess();
                (int At, double Median, double P99, double PerSecond, long FileBytes, long HeapBytes, long RssBytes) row = (checkpoint, FundingBenchmark.Percentile(samples, 0.5), FundingBenchmark.Percentile(samples, 0.99), Window / elapsed.TotalSeconds,
                    new FileInfo(path).Length + FileLength(path + "-wal"), GC.GetTotalMemory(forceFullCollection: false), self.WorkingSet64);
                rows.Add(row);
                Console.WriteLine(Invariant($"  after {checkpoint:N0} cycles: {row.PerSecond:F0} cycles/s, median {row.Median:F3} ms, p99 {row.P99:F3} ms, state {row.FileBytes / 1048576.0:F1} MiB, heap {row.HeapBytes / 1048576.0:F1} MiB, RSS {row.RssBytes / 1048576.0:F0} MiB"));
            }

            Console.WriteLine();
            Console.WriteLine(Invariant($"# Paper exchange: one cycle's calls as the history grows ({Window:N0} cycles timed at each size, {done:N0} in all; baseline: the first size, same run)"));
            Console.WriteLine();
            Console.WriteLine("| cycles before | cycles/s | median ms | p99 ms | median / first | state file MiB | managed heap MiB | RSS MiB |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var row in rows)
            {
                Console.WriteLine(Invariant(
                    $"| {row.At:N0} | {row.PerSecond:F0} | {row.Median:F3} | {row.P99:F3} | **{row.Median / rows[0].Median:F2}x** | {row.FileBytes / 1048576.0:F1} | {row.HeapBytes / 1048576.0:F1} | {row.RssBytes / 1048576.0:F0} |"));
            }

            Console.WriteLine(Invariant($"Disk used: {DirectoryBytes(folder) / 1048576.0:F0} MiB in {folder} (removed)."));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // A worker's cycle: two seconds pass, a quote, an order, its lookup, the trades since, open orders, positions.
    private static async Task CycleAsync(PaperExchange paper, SteppedTime time, int n, CancellationToken cancellationToken)
    {
        var since = paper.SimulatedNow;
        time.Advance(TimeSpan.FromSeconds(2));
        var key = IdempotencyKey.For(new TradingIntent("bench", PaperExchange.PaperName, BtcUsdt, DateTimeOffset.UnixEpoch.AddSeconds(n), "open"));
        var side = n % 2 == 0 ? Side.Buy : Side.Sell;

        // The simulated price wanders over months: an order of about 200 USDT keeps above the minimum notional.
        var mark = (await paper.GetFundingQuoteAsync(BtcUsdt, cancellationToken)).MarkPrice.Units;
        var step = 100_000L; // 0.001 BTC
        var quantity = new Quantity(((200L * 100_000_000 * 100_000_000 / mark / step) + 1) * step);
        var placed = await paper.PlaceOrderAsync(new OrderRequest(key, BtcUsdt, side, OrderType.Market, quantity, null), cancellationToken);
        if (placed is not PlaceOrderResult.Accepted)
        {
            throw new InvalidOperationException($"cycle {n}: the order was not accepted: {placed}");
        }

        if (await paper.GetOrderAsync(BtcUsdt, key, cancellationToken) is not OrderLookupResult.Found)
        {
            throw new InvalidOperationException($"cycle {n}: the order was not found");
        }

        if ((await paper.GetTradesAsync(BtcUsdt, since, cancellationToken)).Count == 0)
        {
            throw new InvalidOperationException($"cycle {n}: no trade since the cycle began");
        }

        await paper.GetOpenOrdersAsync(null, cancellationToken);
        await paper.GetPositionsAsync(cancellationToken);
    }

    private static long FileLength(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static long DirectoryBytes(string folder) => Directory.EnumerateFiles(folder).Sum(FileLength);

    /// <summary>Real time as the benchmark moves it.</summary>
    private sealed class SteppedTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
