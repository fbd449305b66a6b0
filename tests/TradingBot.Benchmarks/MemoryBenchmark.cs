using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using static System.FormattableString;

namespace TradingBot.Benchmarks;

/// <summary>
/// The worker's memory over a long run: the built worker (Release) as a process on the paper exchange, at the fastest
/// poll it accepts (100 ms) on all four paper symbols, trading for M minutes (or until it has made --made fills) on a
/// ledger seeded with N fills of history. With the paper exchange's default of one to three trades a market order the
/// worker makes about 40 fills a second; --trades-per-order 1000 lets each order walk the book in up to 1,000 trades,
/// and the worker makes about 900 a second: a million fills of its own in under 20 minutes. Every interval it
/// reads the fill count from the ledger, the worker's resident set from /proc and its managed heap after a full
/// collection (the runtime collects when asked over its diagnostics port, as dotnet-gcdump does; the heap is what
/// GCHeapStats reports after it). The baseline is the same run's first sample after warm-up (a tenth of the run): a flat
/// run reads about 1.0x. Then the worker is stopped with SIGTERM, <c>verify</c> runs on the ledger, and the ledger is held
/// against the paper exchange: each symbol's fills against its trades, and its net position.
/// </summary>
internal static class MemoryBenchmark
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    /// <summary>Target: the heap and the resident set at the end at most this many times their value after warm-up.</summary>
    public const double Target = 1.2;

    private sealed record Sample(TimeSpan Elapsed, long Fills, long Cycles, double HeapMiB, double RssMiB, double LedgerMiB, double PaperMiB, int FullCollections);

    public static async Task RunAsync(LedgerProvider provider, int history, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limit = TimeSpan.FromMinutes(options.MemoryMinutes);
        await using var ledger = await provider.CreateLedgerAsync("memory", null, cancellationToken);
        var seeding = Stopwatch.StartNew();
        await provider.SeedHistoryAsync(ledger, history, cancellationToken);
        Console.WriteLine(Invariant($"  {provider.Name}, {history:N0} fills of history seeded in {seeding.Elapsed.TotalSeconds:F0} s ({await LedgerCheck.CountAsync(ledger, cancellationToken)})"));
        var folder = Directory.CreateTempSubdirectory("tradingbot-memory-");
        try
        {
            var start = WorkerRun.StartInfo(provider, ledger, folder.FullName, "run");
            start.Environment["Worker__PollInterval"] = "00:00:00.100";
            start.Environment["Strategy__Symbols__0"] = "BTCUSDT";
            start.Environment["Strategy__Symbols__1"] = "ETHUSDT";
            start.Environment["Strategy__Symbols__2"] = "SOLUSDT";
            start.Environment["Strategy__Symbols__3"] = "BNBUSDT";
            // One unit: a whole number of every symbol's market step (0.001 or 0.01), so that an order can walk the paper
            // book in up to 100 (SOL, BNB) or 1,000 (BTC, ETH) trades when --trades-per-order allows it.
            start.Environment["Strategy__OrderQuantity"] = "1";
            start.Environment["Exchange__Paper__MaxTradesPerMarketOrder"] = options.MemoryTradesPerOrder.ToString(CultureInfo.InvariantCulture);
            // Paper time runs so fast that from one cycle to the next (150-250 ms) the funding rate moves on by about half
            // of its six-hour wave, to either side of the one threshold: the strategy opens or closes on about every other
            // cycle (a speed that moved it by a whole wave would alias to few trades). A balance that the fees cannot exhaust.
            start.Environment["Exchange__Paper__Speed"] = "50000";
            start.Environment["Exchange__Paper__StartingBalance"] = "1000000000";
            start.Environment["Strategy__EntryFundingRateBps"] = "2";
            start.Environment["Strategy__ExitFundingRateBps"] = "2";
            Console.WriteLine(Invariant($"Memory of a long run ({provider.Name}): the worker at poll 100 ms on the paper exchange (market orders in 1 to {options.MemoryTradesPerOrder} trades) for {limit.TotalMinutes:F0} minutes{(options.MemoryMadeFills is { } target ? Invariant($" or until it has made {target:N0} fills") : "")}; a sample every {Interval.TotalSeconds:F0} s"));

            using var worker = Process.Start(start) ?? throw new InvalidOperationException("could not start the worker");
            var tail = new Queue<string>();
            long cycles = 0;
            void Keep(string? line)
            {
                if (line is null)
                {
                    return;
                }

                if (line.Contains("Cycle: ", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref cycles);
                }

                lock (tail)
                {
                    tail.Enqueue(Invariant($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {line}"));
                    if (tail.Count > 40)
                    {
                        tail.Dequeue();
                    }
                }
            }

            worker.OutputDataReceived += (_, e) => Keep(e.Data);
            worker.ErrorDataReceived += (_, e) => Keep(e.Data);
            worker.BeginOutputReadLine();
            worker.BeginErrorReadLine();
            string Tail()
            {
                lock (tail)
                {
                    return string.Join('\n', tail);
                }
            }

            var samples = new List<Sample>();
            HeapAfterFullCollection? gc = null;
            try
            {
                var clock = Stopwatch.StartNew();
                var paperFile = Path.Combine(folder.FullName, "paper-exchange.db");
                while (true)
                {
                    await Task.Delay(Interval, cancellationToken);
                    if (worker.HasExited)
                    {
                        throw new InvalidOperationException($"the worker exited ({worker.ExitCode}):\n{Tail()}");
                    }

                    // The diagnostics port opens once the runtime has started: connected at the first sample.
                    gc ??= new HeapAfterFullCollection(worker.Id);
                    var count = await CountFillsAsync(ledger, cancellationToken);
                    var heap = await gc.CollectAsync(cancellationToken);
                    var sample = new Sample(clock.Elapsed, count, Interlocked.Read(ref cycles), heap / 1048576.0, ResidentMiB(worker.Id), await provider.SizeAsync(ledger, cancellationToken) / 1048576.0, FileMiB(paperFile), gc.FullCollections);
                    samples.Add(sample);
                    var seconds = samples.Count > 1 ? (sample.Elapsed - samples[^2].Elapsed).TotalSeconds : sample.Elapsed.TotalSeconds;
                    var rate = (sample.Fills - (samples.Count > 1 ? samples[^2].Fills : history)) / seconds;
                    var cycleRate = (sample.Cycles - (samples.Count > 1 ? samples[^2].Cycles : 0)) / seconds;
                    Console.WriteLine(Invariant($"    {sample.Elapsed.TotalMinutes,6:F1} min  {sample.Fills,10:N0} fills  {rate,6:F1} fills/s  {cycleRate,5:F1} cycles/s  heap {sample.HeapMiB,6:F1} MiB  RSS {sample.RssMiB,6:F1} MiB  ledger {sample.LedgerMiB,7:F1} MiB  paper {sample.PaperMiB,6:F1} MiB"));
                    if (clock.Elapsed >= limit || sample.Fills - history >= options.MemoryMadeFills)
                    {
                        break;
                    }
                }
            }
            finally
            {
                try
                {
                    gc?.Dispose();
                }
                finally
                {
                    // Stopped as systemd and docker stop it (SIGTERM: the step in progress finishes), so that the ledger can be
                    // held against the exchange afterwards; killed only if it does not stop within a minute. Not SIGINT: a
                    // benchmark started in the background by a script (... &) passes on the SIGINT its shell ignores,
                    // and the worker then warns at start that SIGINT will not stop it.
                    if (!worker.HasExited)
                    {
                        var stopping = Stopwatch.StartNew();
                        Console.WriteLine(Invariant($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} SIGTERM to the worker (process {worker.Id})"));
                        using var terminate = Process.Start("kill", ["-TERM", worker.Id.ToString(CultureInfo.InvariantCulture)]);
                        await terminate.WaitForExitAsync(CancellationToken.None);
                        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(1));
                        try
                        {
                            await worker.WaitForExitAsync(patience.Token);
                            Console.WriteLine(Invariant($"The worker stopped {stopping.Elapsed.TotalSeconds:F1} s after SIGTERM (exit {worker.ExitCode}); its last lines:\n{Tail()}"));
                        }
                        catch (OperationCanceledException)
                        {
                            worker.Kill(entireProcessTree: true);
                            Console.WriteLine(Invariant($"The worker did not stop within a minute of SIGTERM and was killed; its last lines:\n{Tail()}"));
                        }
                    }

                    await worker.WaitForExitAsync(CancellationToken.None);
                }
            }

            Report(provider, samples, history);
            await AgainstTheExchangeAsync(provider, ledger, Path.Combine(folder.FullName, "paper-exchange.db"), cancellationToken);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static void Report(LedgerProvider provider, List<Sample> samples, int history)
    {
        var end = samples[^1];
        var warm = samples.First(s => s.Elapsed >= end.Elapsed / 10);
        Console.WriteLine();
        Console.WriteLine(Invariant($"# Memory of a long run: {provider.Name}, {history:N0} fills of history, {end.Fills - history:N0} made in {end.Elapsed.TotalMinutes:F0} minutes ({(end.Fills - history) / end.Elapsed.TotalSeconds:F1} fills/s)"));
        Console.WriteLine();
        Console.WriteLine("| minutes | fills | cycles | managed heap after a full GC MiB | / after warm-up | RSS MiB | / after warm-up | ledger MiB | paper state MiB |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var shown = new List<Sample>();
        for (var tenth = 1; tenth <= 10; tenth++)
        {
            var at = samples.First(s => s.Elapsed >= end.Elapsed * tenth / 10);
            if (!shown.Contains(at))
            {
                shown.Add(at);
            }
        }

        foreach (var s in shown)
        {
            Console.WriteLine(Invariant($"| {s.Elapsed.TotalMinutes:F0} | {s.Fills:N0} | {s.Cycles:N0} | {s.HeapMiB:F1} | {s.HeapMiB / warm.HeapMiB:F2}x | {s.RssMiB:F0} | {s.RssMiB / warm.RssMiB:F2}x | {s.LedgerMiB:F0} | {s.PaperMiB:F0} |"));
        }

        // One sample moves with what the worker happened to hold at that instant (a cycle's objects): the verdict compares
        // the median of the run's second tenth (after warm-up) with the median of its last tenth, and shows the peak.
        var early = samples.Where(s => s.Elapsed > end.Elapsed / 10 && s.Elapsed <= end.Elapsed / 5).ToList();
        var late = samples.Where(s => s.Elapsed > end.Elapsed * 9 / 10).ToList();
        if (early.Count == 0 || late.Count == 0)
        {
            Console.WriteLine();
            Console.WriteLine(Invariant($"Too short a run for a verdict ({samples.Count} samples): its second and last tenths need a sample each (--minutes 5 or more)."));
            return;
        }

        var heap = Median(late, s => s.HeapMiB) / Median(early, s => s.HeapMiB);
        var rss = Median(late, s => s.RssMiB) / Median(early, s => s.RssMiB);
        var after = samples.Where(s => s.Elapsed > end.Elapsed / 10).ToList();
        Console.WriteLine();
        Console.WriteLine(Invariant($"Last tenth of the run against its second tenth (medians): heap {heap:F2}x, RSS {rss:F2}x{(heap > Target || rss > Target ? $" (target {Target:F1}x: missed)" : $" (target {Target:F1}x: held)")}; peaks after warm-up {after.Max(s => s.HeapMiB):F1} MiB heap, {after.Max(s => s.RssMiB):F0} MiB RSS; {end.FullCollections} blocking full collections seen."));
    }

    // After the run: verify on the ledger, and the ledger held against the exchange, which is the truth: every trade the
    // paper exchange made is a fill in the ledger, and each symbol's position is the exchange's.
    private static async Task AgainstTheExchangeAsync(LedgerProvider provider, BenchLedger ledger, string paperFile, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var verify = await WorkerRun.VerbAsync(provider, ledger, "verify", cancellationToken);
        Console.WriteLine(Invariant($"verify after the run: OK in {verify.WallMs / 1000:F1} s, peak RSS {verify.PeakRssMiB:F0} MiB"));

        // Every symbol the ledger filled on has its position row: fills counted per position.
        SortedDictionary<string, (long Fills, long Net)> Counted(List<string[]> rows) =>
            new(rows.ToDictionary(r => r[0], r => (long.Parse(r[1], CultureInfo.InvariantCulture), long.Parse(r[2], CultureInfo.InvariantCulture))), StringComparer.Ordinal);
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        var inLedger = Counted(await RowsAsync(connection, "SELECT p.symbol, (SELECT COUNT(*) FROM fills f JOIN orders o ON o.id = f.order_id WHERE o.exchange = p.exchange AND o.symbol = p.symbol), p.net_quantity_base FROM positions p WHERE p.exchange = 'PAPER'", cancellationToken));
        await using var paper = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={paperFile};Mode=ReadOnly");
        await paper.OpenAsync(cancellationToken);
        var atExchange = Counted(await RowsAsync(paper, "SELECT s.symbol, (SELECT COUNT(*) FROM paper_trades t WHERE t.symbol = s.symbol), s.net_quantity_units FROM paper_symbols s", cancellationToken));

        var agree = inLedger.Where(kv => kv.Value != default).SequenceEqual(atExchange.Where(kv => kv.Value != default));
        Console.WriteLine(Invariant($"The ledger against the paper exchange (fills / trades and net position per symbol), {clock.Elapsed.TotalSeconds:F0} s: {(agree ? "they agree" : "THEY DIFFER")}"));
        foreach (var symbol in inLedger.Keys.Union(atExchange.Keys).Order(StringComparer.Ordinal))
        {
            var (fills, net) = inLedger.GetValueOrDefault(symbol);
            var (trades, exchangeNet) = atExchange.GetValueOrDefault(symbol);
            Console.WriteLine(Invariant($"  {symbol}: ledger {fills:N0} fills, net {net / 1e8:0.########}; exchange {trades:N0} trades, net {exchangeNet / 1e8:0.########}"));
        }

        if (!agree)
        {
            await WhereTheyDifferAsync(ledger, paperFile, cancellationToken);
        }
    }

    // What tells why: each order whose fills in the ledger are not its trades at the exchange, and the ledger's last
    // errors and its halts.
    private static async Task WhereTheyDifferAsync(BenchLedger ledger, string paperFile, CancellationToken cancellationToken)
    {
        var exchangeOrders = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var paper = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={paperFile};Mode=ReadOnly"))
        {
            await paper.OpenAsync(cancellationToken);
            foreach (var row in await RowsAsync(paper, "SELECT o.client_order_id, o.symbol || ' ' || o.side || ' ' || o.type || ' ' || o.status || ' qty ' || o.quantity_units || ' filled ' || o.filled_units || ' trades ' || COUNT(t.trade_id) || ' at ' || o.updated_at FROM paper_orders o LEFT JOIN paper_trades t ON t.order_id = o.order_id GROUP BY o.order_id", cancellationToken))
            {
                exchangeOrders[row[0]] = row[1];
            }
        }

        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        var ledgerOrders = (await RowsAsync(connection, "SELECT o.idempotency_key, o.symbol || ' ' || o.side || ' ' || o.type || ' ' || o.status || ' qty ' || o.quantity_base || ' filled ' || o.filled_quantity_base || ' trades ' || COUNT(f.id) || ' at ' || o.updated_at FROM orders o LEFT JOIN fills f ON f.order_id = o.id WHERE o.exchange = 'PAPER' GROUP BY o.id", cancellationToken))
            .ToDictionary(r => r[0], r => r[1], StringComparer.Ordinal);
        Console.WriteLine("Orders whose fills differ from their trades (client order id: ledger | exchange):");
        foreach (var id in ledgerOrders.Keys.Union(exchangeOrders.Keys).Where(id => Counted(ledgerOrders.GetValueOrDefault(id)) != Counted(exchangeOrders.GetValueOrDefault(id))).Take(10))
        {
            Console.WriteLine($"  {id}: {ledgerOrders.GetValueOrDefault(id) ?? "(none)"} | {exchangeOrders.GetValueOrDefault(id) ?? "(none)"}");
        }

        Console.WriteLine("The ledger's last errors and its halts:");
        foreach (var row in (await RowsAsync(connection, "SELECT created_at, event_data FROM audit_log WHERE event_type = 'ERROR' ORDER BY created_at DESC LIMIT 5", cancellationToken))
            .Concat(await RowsAsync(connection, "SELECT * FROM symbol_halts", cancellationToken)))
        {
            Console.WriteLine("  " + string.Join(" | ", row));
        }

        // The quantity filled and the number of trades, the part both sides state alike.
        static string? Counted(string? description) => description is null ? null : description[description.IndexOf(" filled ", StringComparison.Ordinal)..description.IndexOf(" at ", StringComparison.Ordinal)];
    }

    private static async Task<List<string[]>> RowsAsync(System.Data.Common.DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<string[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? "")]);
        }

        return rows;
    }

    private static double Median(List<Sample> samples, Func<Sample, double> value)
    {
        var sorted = samples.Select(value).Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static async Task<long> CountFillsAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM fills";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static double FileMiB(string path) =>
        ((File.Exists(path) ? new FileInfo(path).Length : 0) + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0)) / 1048576.0;

    private static double ResidentMiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>
    /// The worker's managed heap after a full collection, over its diagnostics port: one session listens to the GC
    /// events; asking for the heap opens a second session with the GCHeapCollect keyword, which makes the runtime
    /// collect (a blocking gen2 collection), and the heap is the total size GCHeapStats reports right after it.
    /// </summary>
    private sealed class HeapAfterFullCollection : IDisposable
    {
        private const long GcKeyword = (long)ClrTraceEventParser.Keywords.GC;
        private const long GcHeapCollectKeyword = 0x800000;

        private readonly DiagnosticsClient _client;
        private readonly EventPipeSession _listening;
        private readonly EventPipeEventSource _source;
        private readonly Task _reading;
        private readonly Lock _gate = new();
        private bool _blockingFull;
        private int _number;
        private int _lastFull;
        private long _heap;

        public HeapAfterFullCollection(int pid)
        {
            _client = new DiagnosticsClient(pid);
            _listening = _client.StartEventPipeSession(new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword), requestRundown: false);
            _source = new EventPipeEventSource(_listening.EventStream);

            // Only a blocking (compacting) gen2 collection counts: a background one leaves its free space in the heap's size,
            // and an ephemeral one inside a background collection is not a full one.
            _source.Clr.GCStart += e =>
            {
                lock (_gate)
                {
                    _blockingFull = e.Depth == 2 && e.Type == GCType.NonConcurrentGC;
                    _number = e.Count;
                }
            };
            _source.Clr.GCHeapStats += e =>
            {
                lock (_gate)
                {
                    if (_blockingFull)
                    {
                        _lastFull = _number;
                        _heap = e.TotalHeapSize;
                        FullCollections++;
                    }
                }
            };
            _reading = Task.Run(_source.Process);
        }

        /// <summary>Blocking full collections seen (asked for, and any the worker made itself).</summary>
        public int FullCollections { get; private set; }

        public async Task<long> CollectAsync(CancellationToken cancellationToken)
        {
            int before;
            lock (_gate)
            {
                before = _lastFull;
            }

            // The asking session carries no events of its own (the listening one sees the collection), and its stream is read
            // to its end all the same: the runtime's diagnostics thread writes a stopping session's last bytes before it answers
            // the stop, so a stream nobody reads wedges that thread and the stop with it (dotnet/diagnostics#5628). An
            // earlier version left it unread and hung after 21 minutes with the worker's diagnostics thread blocked in a send.
            using (var asking = _client.StartEventPipeSession(new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcHeapCollectKeyword), requestRundown: false))
            {
                var draining = asking.EventStream.CopyToAsync(Stream.Null, cancellationToken);
                var deadline = Stopwatch.StartNew();
                while (true)
                {
                    lock (_gate)
                    {
                        // A collection numbered after the last one seen before asking: the one asked for (or a later one).
                        if (_lastFull > before)
                        {
                            break;
                        }
                    }

                    if (_reading.IsCompleted)
                    {
                        throw new InvalidOperationException("the worker's GC events stopped arriving", _reading.Exception);
                    }

                    if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                    {
                        throw new InvalidOperationException("the worker did not report a full collection within 30 s of being asked");
                    }

                    await Task.Delay(50, cancellationToken);
                }

                asking.Stop();
                await draining;
            }

            lock (_gate)
            {
                return _heap;
            }
        }

        public void Dispose()
        {
            try
            {
                _listening.Stop();
                _reading.Wait(TimeSpan.FromSeconds(10));
            }
            catch (Exception exception) when (exception is ServerNotAvailableException or AggregateException or IOException or TimeoutException)
            {
                // The worker is gone already, or its events ended with it.
            }

            _source.Dispose();
            _listening.Dispose();
        }
    }
}
