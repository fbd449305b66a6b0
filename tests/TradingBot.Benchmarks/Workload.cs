using System.Globalization;
using System.Diagnostics;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Benchmarks;

/// <summary>Records one fill per call, each in its own durable transaction.</summary>
internal interface IFillWriter : IAsyncDisposable
{
    /// <summary>Records the writer's next fill; returns when it is committed.</summary>
    Task RecordNextAsync();
}

/// <summary>
/// The record-fill workload shared by the EF path and the raw baselines: one OPEN order per writer, each on
/// its own symbol (writers never touch the same order or position row), and fills with distinct exchange
/// fill ids whose price, quantity and fee depend only on the writer and the fill's sequence number.
/// </summary>
internal static class Workload
{
    public static readonly ExchangeName Exchange = new("BINANCE");

    /// <summary>Large enough that no run fills it: one million BTC.</summary>
    public static readonly Quantity OrderQuantity = new(1_000_000 * FixedPoint.Scale);

    /// <summary>0.001 per fill.</summary>
    public static readonly Quantity FillQuantity = new(100_000);

    /// <summary>0.02 USDT per fill.</summary>
    public static readonly Money Fee = new(new Asset("USDT"), new Amount(2_000_000));

    private static readonly Price LimitPrice = new(60_000 * FixedPoint.Scale);

    public static Symbol SymbolFor(int writer) => new($"BENCH{writer}USDT");

    /// <summary>
    /// An OPEN limit BUY order for <paramref name="writer"/>, as the exchange acknowledged it; <paramref name="run"/>
    /// tells apart the orders of several runs on one ledger.
    /// </summary>
    public static Order NewOrder(int writer, string run = "")
    {
        var now = DateTimeOffset.UtcNow;
        return Order.Rehydrate(
            OrderId.New(),
            Exchange,
            SymbolFor(writer),
            Side.Buy,
            OrderType.Limit,
            OrderQuantity,
            LimitPrice,
            new IdempotencyKey($"bench-{run}w{writer}"),
            OrderStatus.Open,
            $"bench-{run}x{writer}",
            Quantity.Zero,
            now,
            now);
    }

    /// <summary>The <paramref name="sequence"/>-th fill (from 1) of the writer's order.</summary>
    public static Fill NewFill(OrderId order, int writer, long sequence, string run = "") => new(
        new ExchangeFillId($"{run}w{writer}-f{sequence}"),
        order,
        new Price((50_000 * FixedPoint.Scale) + (sequence % 1_000 * 1_000_000)),
        FillQuantity,
        Fee,
        DateTimeOffset.UtcNow);
}

/// <summary>Committed fills per second over a fixed window after a warm-up.</summary>
/// <param name="Committed">Fills committed inside the measured window.</param>
/// <param name="Elapsed">The measured window.</param>
/// <param name="Total">Fills committed in the whole run (warm-up and the in-flight tail included).</param>
/// <param name="AllocatedBytes">Bytes this process allocated inside the measured window.</param>
/// <param name="GcPause">Time the runtime was paused for garbage collection inside the window.</param>
/// <param name="Collections">Garbage collections (all generations) inside the window.</param>
/// <param name="ClientCpu">CPU time this process (the client: EF Core or raw ADO.NET, and the runtime) used inside the window, all threads.</param>
/// <param name="ServerCpu">CPU time the database server's processes used inside the window (null for SQLite, or a server this run did not start).</param>
/// <param name="InCommands">Time spent inside Npgsql's command executions inside the window, summed over all writers (zero on SQLite).</param>
/// <param name="Commands">Npgsql command executions that ended inside the window (zero on SQLite).</param>
/// <param name="HostSteal">
/// The share of this machine's CPU time that its hypervisor gave to other guests inside the window ("steal" in
/// /proc/stat), over all cores; null where the operating system does not report it.
/// </param>
internal sealed record ThroughputResult(long Committed, TimeSpan Elapsed, long Total, long AllocatedBytes, TimeSpan GcPause, int Collections, TimeSpan ClientCpu, TimeSpan? ServerCpu, TimeSpan InCommands, long Commands, double? HostSteal = null)
{
    /// <summary>
    /// Per fill, the time from Npgsql starting a command to the end of its results (sending, the server's work, the
    /// durable commit, reading the answer); null on SQLite. With one writer the rest of the wall time per fill is the
    /// client's own work between commands.
    /// </summary>
    public double? InCommandsPerFill => Committed == 0 || Commands == 0 ? null : InCommands.TotalMilliseconds / Committed;

    /// <summary>Wall time per committed fill, per writer.</summary>
    public double WallPerFillPerWriter(int writers) => Committed == 0 ? 0 : Elapsed.TotalMilliseconds * writers / Committed;

    public double ClientCpuPerFill => Committed == 0 ? 0 : ClientCpu.TotalMilliseconds / Committed;

    public double? ServerCpuPerFill => Committed == 0 || ServerCpu is not { } server ? null : server.TotalMilliseconds / Committed;

    public double PerSecond => Committed / Elapsed.TotalSeconds;

    public double AllocatedPerFill => Committed == 0 ? 0 : (double)AllocatedBytes / Committed;

    public double GcPauseShare => GcPause / Elapsed;
}

internal static class Throughput
{
    /// <summary>
    /// Runs every writer in a loop: <paramref name="warmUp"/> unmeasured, then counts the fills committed
    /// during <paramref name="measure"/>, then stops the writers after their in-flight fill.
    /// </summary>
    public static async Task<ThroughputResult> MeasureAsync(IReadOnlyList<IFillWriter> writers, TimeSpan warmUp, TimeSpan measure, Func<TimeSpan>? serverCpuNow)
    {
        var counts = new long[writers.Count];
        using var stop = new CancellationTokenSource();
        var loops = writers.Select((writer, index) => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await writer.RecordNextAsync();
                Interlocked.Increment(ref counts[index]);
            }
        })).ToArray();

        long committed;
        TimeSpan elapsed;
        long allocated;
        TimeSpan pause;
        int collections;
        TimeSpan cpu;
        TimeSpan? serverCpu;
        TimeSpan inCommands;
        long commands;
        double? steal;
        try
        {
            await Task.Delay(warmUp);
            ThrowIfFaulted(loops);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
            var pauseBefore = GC.GetTotalPauseDuration();
            var collectionsBefore = GC.CollectionCount(0);
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var serverCpuBefore = serverCpuNow?.Invoke();
            var (commandTimeBefore, commandsBefore) = NpgsqlCommandTime.Now;
            var hostBefore = HostCpu.Now();
            var before = Sum(counts);
            var clock = Stopwatch.StartNew();
            await Task.Delay(measure);
            committed = Sum(counts) - before;
            elapsed = clock.Elapsed;
            allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
            pause = GC.GetTotalPauseDuration() - pauseBefore;
            collections = GC.CollectionCount(0) - collectionsBefore;
            process.Refresh();
            cpu = process.TotalProcessorTime - cpuBefore;
            serverCpu = serverCpuNow?.Invoke() - serverCpuBefore;
            var (commandTimeAfter, commandsAfter) = NpgsqlCommandTime.Now;
            inCommands = commandTimeAfter - commandTimeBefore;
            commands = commandsAfter - commandsBefore;
            steal = HostCpu.StealShare(hostBefore, HostCpu.Now());
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops);
        }

        return new ThroughputResult(committed, elapsed, Sum(counts), allocated, pause, collections, cpu, serverCpu, inCommands, commands, steal);
    }

    private static long Sum(long[] counts)
    {
        long sum = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            sum += Interlocked.Read(ref counts[i]);
        }

        return sum;
    }

    private static void ThrowIfFaulted(Task[] loops)
    {
        foreach (var loop in loops)
        {
            if (loop.IsFaulted)
            {
                loop.GetAwaiter().GetResult();
            }
        }
    }
}

/// <summary>
/// The time spent inside Npgsql's command executions, from Npgsql's tracing (its "Npgsql" ActivitySource): each
/// command's activity runs from the start of its execution to the end of its results. Physical connection opens
/// are left out. Only with --split: recording the activities costs the raw baseline more than the EF path.
/// </summary>
internal static class NpgsqlCommandTime
{
    private static long _ticks;
    private static long _count;
    private static ActivityListener? _listener;

    /// <summary>The total so far and the number of commands.</summary>
    public static (TimeSpan Total, long Commands) Now => (TimeSpan.FromTicks(Interlocked.Read(ref _ticks)), Interlocked.Read(ref _count));

    /// <summary>Starts listening (once per process).</summary>
    public static void Start()
    {
        if (_listener is not null)
        {
            return;
        }

        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = static activity =>
            {
                if (!activity.OperationName.StartsWith("CONNECT", StringComparison.Ordinal))
                {
                    Interlocked.Add(ref _ticks, activity.Duration.Ticks);
                    Interlocked.Increment(ref _count);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }
}

/// <summary>
/// The machine's CPU time by kind, from the first line of /proc/stat (Linux): on a virtual machine, "steal" is the time
/// a virtual CPU was ready to run but the hypervisor ran another guest. Both the client and a local server lose it,
/// and a path that needs more CPU per fill loses more wall time to it.
/// </summary>
internal static class HostCpu
{
    /// <summary>Stolen and total clock ticks so far (all cores), or null where /proc/stat is not there or has no steal.</summary>
    public static (long Steal, long Total)? Now()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already in user.
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 9 || fields[0] != "cpu")
            {
                return null;
            }

            var ticks = fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            return (ticks[7], ticks.Sum());
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The share of CPU time stolen between two readings; null when either is missing or no time passed.</summary>
    public static double? StealShare((long Steal, long Total)? before, (long Steal, long Total)? after) =>
        before is { } b && after is { } a && a.Total > b.Total ? (double)(a.Steal - b.Steal) / (a.Total - b.Total) : null;
}

/// <summary>CPU time of a local process tree, from /proc (Linux); zero elsewhere.</summary>
internal static class LocalProcesses
{
    /// <summary>
    /// The CPU time (user and system) of process <paramref name="root"/> and its children so far: the running
    /// children's own, and the ended children's that the root has collected.
    /// </summary>
    public static TimeSpan CpuOfTree(int root)
    {
        if (!OperatingSystem.IsLinux())
        {
            return TimeSpan.Zero;
        }

        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; after the comm, utime, stime, cutime and cstime are the 12th to 15th fields, in clock ticks.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == root)
                {
                    ticks += Field(fields, 11) + Field(fields, 12) + Field(fields, 13) + Field(fields, 14);
                }
                else if (parent == root)
                {
                    ticks += Field(fields, 11) + Field(fields, 12);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
                // The process ended meanwhile, or is not readable: it is not counted.
            }
        }

        // Linux reports these in USER_HZ, 100 per second on every mainstream architecture.
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static long Field(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);
}
