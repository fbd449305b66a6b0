using System.Globalization;
using TradingBot.Benchmarks;
using static System.FormattableString;

// Record-fill throughput and the 24h funding query on SQLite and Postgres, each next to a baseline measured
// in the same run. Prints figures; it asserts nothing about them (see docs/benchmarks.md).
var options = BenchmarkOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return 2;
}

// Writers block in SQLite's busy handler and in synchronous provider code: give the pool enough threads
// up front so no scenario waits for thread injection (applies to the EF path and the baselines alike).
ThreadPool.GetMinThreads(out var workers, out var completion);
ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(completion, 32));

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

if (options.CopyFills is { } copyFills)
{
    Header("copy-ledger");
    await CopyBenchmark.RunAsync(copyFills, cancel.Token);
    return 0;
}

if (options.PaperCycles is { } paperCycles)
{
    Header("paper exchange");
    await PaperBenchmark.RunAsync(paperCycles, cancel.Token);
    return 0;
}

if (options.ReingestTrades is { } reingest)
{
    Header("trades read again");
    await OnEachProviderAsync(provider => ReingestBenchmark.RunAsync(provider, reingest, cancel.Token));
    return 0;
}

if (options.MemoryFills is { } memoryFills)
{
    Header("memory of a long run");
    await OnEachProviderAsync(provider => MemoryBenchmark.RunAsync(provider, memoryFills, options, cancel.Token));
    return 0;
}

if (options.GrowthFills is not null)
{
    Header("record-fill as the ledger grows");
    await OnEachProviderAsync(provider => GrowthBenchmark.RunAsync(provider, options.GrowthSizes, options, cancel.Token));
    return 0;
}

if (options.ManyLedgers)
{
    Header("many ledgers on one Postgres");
    await ManyLedgersBenchmark.RunAsync(options, cancel.Token);
    return 0;
}

var report = new Report(options);
Console.WriteLine(Invariant($"TradingBot ledger benchmark — {(options.Quick ? "--quick" : "full run")}, started {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC"));
report.AddEnvironment("", Machine.Describe(Path.GetTempPath()));

if (options.Sqlite)
{
    await using var sqlite = new SqliteProvider();
    await RunProviderAsync(sqlite, null);
}

if (options.Postgres)
{
    var pgbench = Pgbench.Find()
        ?? throw new InvalidOperationException("pgbench is neither on PATH nor in the folder 'pg_config --bindir' names (Debian: apt-get install postgresql-contrib or postgresql)");
    Console.WriteLine("Starting a durable PostgreSQL server (fsync, full_page_writes, synchronous_commit on)...");
    await using var postgres = await PostgresProvider.StartAsync(cancel.Token);
    if (options.Split)
    {
        NpgsqlCommandTime.Start();
    }

    await RunProviderAsync(postgres, pgbench);
}

if (!options.ShowSql)
{
    report.Print(Console.Out);
}

return 0;

async Task RunProviderAsync(LedgerProvider provider, string? pgbench)
{
    var token = cancel.Token;
    Console.WriteLine();
    Console.WriteLine($"== {provider.Name}");
    await using (var probe = await provider.CreateLedgerAsync("describe", null, token))
    {
        var settings = await provider.DescribeAsync(probe, token);
        report.AddEnvironment(provider.Name, settings);
        foreach (var (name, value) in settings)
        {
            Console.WriteLine($"  {name}: {value}");
        }
    }

    if (options.ShowSql)
    {
        await ShowSqlAsync(provider, token);
        return;
    }

    if (options.Fills)
    {
        await CheckEquivalenceAsync(provider, token);
        await WarmUpAsync(provider, token);
        foreach (var writers in options.WriterCounts)
        {
            var raw = new List<ThroughputResult>();
            var ef = new List<ThroughputResult>();
            var pgbenchRounds = new List<PgbenchResult>();
            var pgbenchLedger = new List<PgbenchResult>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                // Alternate which path goes first, so neither always meets the disk or the server right after the other.
                foreach (var rawPath in round % 2 == 1 ? new[] { true, false } : [false, true])
                {
                    (rawPath ? raw : ef).Add(await RecordFillsAsync(provider, rawPath, writers, round, token));
                }

                if (provider is PostgresProvider postgres && pgbench is not null)
                {
                    Console.Write(Invariant($"  pgbench TPC-B, {writers} client(s), round {round} ... "));
                    var result = await Pgbench.RunAsync(pgbench, postgres, writers, (int)options.Measure.TotalSeconds, token);
                    Console.WriteLine(Invariant($"{result.Tps:F1} tps"));
                    pgbenchRounds.Add(result);

                    Console.Write(Invariant($"  pgbench running the ledger's record-fill statements, {writers} client(s), round {round} ... "));
                    var ledgerResult = await PgbenchLedgerStatementsAsync(postgres, pgbench, writers, token);
                    Console.WriteLine(Invariant($"{ledgerResult.Tps:F1} tps"));
                    pgbenchLedger.Add(ledgerResult);
                }
            }

            report.Add(new FillScenario(provider.Name, provider.RawClient, writers, ef, raw, pgbenchRounds, pgbenchLedger));
        }
    }

    if (options.Funding)
    {
        var newest = DateTimeOffset.UtcNow;
        var series = new FundingSeries(options.FundingSymbols, options.FundingRowsPerSymbol, new DateTimeOffset(newest.Ticks - (newest.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero));
        Console.WriteLine(Invariant($"  24h funding query: loading {series.TotalRows:N0} funding_snapshots rows ({series.Symbols} symbols × {series.RowsPerSymbol:N0}, every 30 s)"));
        var result = await FundingBenchmark.RunAsync(provider, series, options.FundingIterations, token);
        Console.WriteLine(Invariant(
            $"  24h funding query: load {result.Load.TotalSeconds:F1} s, ANALYZE {result.Analyze.TotalSeconds:F1} s, {result.RowsReturned} rows, median {result.MedianMs:F2} ms, p95 {result.P95Ms:F2} ms over {result.Iterations} runs; appends {result.AppendsPerSecond:F0}/s"));
        report.Add(provider.Name, result);
        if (options.Partitioned && provider is PostgresProvider)
        {
            Console.WriteLine("  24h funding query, the same series in a ledger partitioned by month (Ledger:Partitioning=Monthly):");
            var monthly = await FundingBenchmark.RunAsync(provider, series, options.FundingIterations, token, partitioned: true);
            Console.WriteLine(Invariant(
                $"  partitioned: median {monthly.MedianMs:F2} ms against {result.MedianMs:F2} ms plain ({monthly.MedianMs / result.MedianMs:F2}x); appends {monthly.AppendsPerSecond:F0}/s against {result.AppendsPerSecond:F0}/s ({monthly.AppendsPerSecond / result.AppendsPerSecond:F2}x)"));
            report.Add(provider.Name + ", partitioned by month", monthly);
        }
    }
}

async Task<ThroughputResult> RecordFillsAsync(LedgerProvider provider, bool raw, int writers, int round, CancellationToken token, TimeSpan? measure = null)
{
    var path = raw ? $"raw {provider.RawClient}" : "EF RecordFill";
    Console.Write(Invariant($"  {path}, {writers} writer(s), {(round == 0 ? "JIT warm-up" : $"round {round}")} ... "));
    await using var ledger = await provider.CreateLedgerAsync(raw ? "raw" : "ef", null, token);
    var orders = Enumerable.Range(0, writers).Select(w => Workload.NewOrder(w)).ToList();
    await ledger.CreateOrdersAsync(orders, token);
    var fillWriters = new List<IFillWriter>();
    try
    {
        for (var i = 0; i < writers; i++)
        {
            fillWriters.Add(raw
                ? await provider.CreateRawWriterAsync(ledger, orders[i], i, token)
                : new EfFillWriter(ledger.NewRecordFill(), orders[i].Id, i));
        }

        await provider.BeforeScenarioAsync(ledger, token);
        var result = await Throughput.MeasureAsync(fillWriters, options.WarmUp, measure ?? options.Measure, provider.ServerCpu);
        foreach (var writer in fillWriters)
        {
            await writer.DisposeAsync();
        }

        fillWriters.Clear();
        var counts = LedgerCheck.Expect(await LedgerCheck.CountAsync(ledger, token), writers, result.Total);
        Console.WriteLine(Invariant(
            $"{result.PerSecond:F1} fills/s ({result.Committed:N0} in {result.Elapsed.TotalSeconds:F2} s; {result.ClientCpuPerFill:F3} ms client CPU{(result.ServerCpuPerFill is { } server ? $", {server:F3} ms server CPU" : "")}{(result.InCommandsPerFill is { } inCommands ? $", {inCommands:F3} ms inside Npgsql commands" : "")} and {result.AllocatedPerFill / 1024:F1} KiB allocated per fill, GC paused {result.GcPauseShare:P1} of the time in {result.Collections} collections{(result.HostSteal is { } steal ? $", host CPU stolen {steal:P1}" : "")}; rows check OK: {counts})"));
        return result;
    }
    finally
    {
        foreach (var writer in fillWriters)
        {
            await writer.DisposeAsync();
        }
    }
}

// A ledger whose writers' orders are open and whose positions exist (one fill each, through EF), then pgbench on it.
async Task<PgbenchResult> PgbenchLedgerStatementsAsync(PostgresProvider postgres, string pgbench, int clients, CancellationToken token)
{
    await using var ledger = await postgres.CreateLedgerAsync("pgbfill", null, token);
    var orders = Enumerable.Range(0, clients).Select(w => Workload.NewOrder(w)).ToList();
    await ledger.CreateOrdersAsync(orders, token);
    for (var i = 0; i < clients; i++)
    {
        await new EfFillWriter(ledger.NewRecordFill(), orders[i].Id, i).RecordNextAsync();
    }

    return await Pgbench.RunLedgerStatementsAsync(pgbench, postgres, ledger, clients, (int)options.Measure.TotalSeconds, token);
}

// Each path runs once, unmeasured, long enough for the JIT to tier its code up: EF Core's path runs far more code
// than the raw baseline, so measuring it straight after start-up would time the JIT, not the ledger.
async Task WarmUpAsync(LedgerProvider provider, CancellationToken token)
{
    foreach (var raw in new[] { true, false })
    {
        await RecordFillsAsync(provider, raw, 1, 0, token, options.JitWarmUp);
    }
}

// The same fixed workload through both paths must leave the same rows (ids and timestamps aside).
async Task CheckEquivalenceAsync(LedgerProvider provider, CancellationToken token)
{
    const int Writers = 2;
    const int FillsPerWriter = 25;
    var contents = new List<IReadOnlyList<string>>();
    var counts = new List<LedgerCounts>();
    foreach (var raw in new[] { false, true })
    {
        await using var ledger = await provider.CreateLedgerAsync(raw ? "eqraw" : "eqef", null, token);
        var orders = Enumerable.Range(0, Writers).Select(w => Workload.NewOrder(w)).ToList();
        await ledger.CreateOrdersAsync(orders, token);
        for (var i = 0; i < Writers; i++)
        {
            await using IFillWriter writer = raw
                ? await provider.CreateRawWriterAsync(ledger, orders[i], i, token)
                : new EfFillWriter(ledger.NewRecordFill(), orders[i].Id, i);
            for (var f = 0; f < FillsPerWriter; f++)
            {
                await writer.RecordNextAsync();
            }
        }

        counts.Add(LedgerCheck.Expect(await LedgerCheck.CountAsync(ledger, token), Writers, Writers * FillsPerWriter));
        contents.Add(await LedgerCheck.ContentAsync(ledger, token));
    }

    if (!contents[0].SequenceEqual(contents[1]))
    {
        var difference = contents[0].Zip(contents[1]).FirstOrDefault(p => p.First != p.Second);
        throw new InvalidOperationException($"the EF path and the raw baseline wrote different rows: EF '{difference.First}' vs raw '{difference.Second}'");
    }

    Console.WriteLine($"  equivalence: {Writers}×{FillsPerWriter} fills through EF and through raw {provider.RawClient} left identical rows ({counts[0]}; {contents[0].Count} compared rows)");
}

async Task ShowSqlAsync(LedgerProvider provider, CancellationToken token)
{
    var trace = new SqlTrace();
    await using var ledger = await provider.CreateLedgerAsync("trace", trace, token);
    var order = Workload.NewOrder(0);
    await ledger.CreateOrdersAsync([order], token);
    var recordFill = ledger.NewRecordFill();
    for (var i = 1; i <= 2; i++)
    {
        trace.Clear();
        trace.Recording = true;
        await recordFill.ExecuteAsync(Workload.NewFill(order.Id, 0, i), token);
        trace.Recording = false;
        Console.WriteLine();
        Console.WriteLine(Invariant($"-- {provider.Name}: EF record-fill #{i} ({(i == 1 ? "first fill: new position, OPEN -> PARTIALLY_FILLED" : "steady state")})"));
        foreach (var entry in trace.Entries)
        {
            Console.WriteLine(entry);
        }
    }
}

// The run's title and the machine it runs on, first in every mode's output.
static void Header(string title)
{
    Console.WriteLine(Invariant($"TradingBot ledger benchmark — {title}, started {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC"));
    foreach (var (name, value) in Machine.Describe(Path.GetTempPath()))
    {
        Console.WriteLine($"  {name}: {value}");
    }
}

// A mode that runs on each provider chosen (--sqlite, --postgres; both by default), a durable Postgres started for it.
async Task OnEachProviderAsync(Func<LedgerProvider, Task> run)
{
    if (options.Sqlite)
    {
        await using var sqlite = new SqliteProvider();
        await run(sqlite);
    }

    if (options.Postgres)
    {
        Console.WriteLine("Starting a durable PostgreSQL server (fsync, full_page_writes, synchronous_commit on)...");
        await using var postgres = await PostgresProvider.StartAsync(cancel.Token);
        await run(postgres);
    }
}
