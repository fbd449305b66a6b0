using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TradingBot.Simulation;

// The simulator's own verbs: "run" (the long mode) and "replay" (one seed, step by step). See README.md here.
var ledger = new Option<SimulatedLedger>("--ledger") { Description = "The ledger adapter: Sqlite or Postgres.", DefaultValueFactory = _ => SimulatedLedger.Sqlite };
var cycles = new Option<int>("--cycles") { Description = "Cycles with faults per seed (then a quiet hour).", DefaultValueFactory = _ => new SimulationSettings(0).Cycles };

var timing = new Option<string?>("--order-timing")
{
    Description = "Exchange:MaxSendDelay and Exchange:VisibilityMargin as the worker would be configured, e.g. 00:00:01,00:00:00.001 (default 00:00:10,00:00:30).",
};
Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? Timing(ParseResult parse) =>
    parse.GetValue(timing) is { } text && text.Split(',') is [var send, var margin]
        ? services => Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.Replace(
            services,
            Microsoft.Extensions.DependencyInjection.ServiceDescriptor.Singleton(new TradingBot.Application.Orders.OrderTiming(TimeSpan.Parse(send, CultureInfo.InvariantCulture), TimeSpan.Parse(margin, CultureInfo.InvariantCulture))))
        : null;

var adapter = new Option<SimulatedAdapter?>("--adapter") { Description = "How the worker reaches the exchange: Paper (its port) or Binance (the adapter over HTTP); default: drawn from each seed." };
var seeds = new Option<long>("--seeds") { Description = "How many seeds to run (0: until --duration passes or Ctrl+C).", DefaultValueFactory = _ => 0 };
var duration = new Option<TimeSpan?>("--duration") { Description = "Stop starting new seeds after this long, e.g. 00:10:00." };
var first = new Option<int?>("--first-seed") { Description = "The first seed (default: drawn from the clock, and printed)." };
var run = new Command("run", "Run seeds one after another until --seeds or --duration; print each failing seed with its replay command, and seeds per second.");
foreach (var option in new Option[] { ledger, cycles, timing, adapter, seeds, duration, first })
{
    run.Options.Add(option);
}

run.SetAction(async (parse, cancellationToken) =>
{
    var start = parse.GetValue(first) ?? Environment.TickCount & 0x3FFFFFFF;
    var most = parse.GetValue(seeds);
    var until = parse.GetValue(duration);
    await using var ledgers = await SimulationLedgers.CreateAsync(parse.GetValue(ledger), cancellationToken);
    Console.WriteLine($"seeds from {start} on {ledgers.Kind}, {parse.GetValue(cycles)} cycles each, through {parse.GetValue(adapter)?.ToString() ?? "the adapter each seed draws"}{(most > 0 ? $", {most} seeds" : string.Empty)}{(until is { } d ? $", for {d}" : string.Empty)}");
    var clock = Stopwatch.StartNew();
    var failed = 0;
    long ran = 0;
    for (var seed = start; (most == 0 || ran < most) && (until is not { } limit || clock.Elapsed < limit) && !cancellationToken.IsCancellationRequested; seed++)
    {
        var result = await Simulation.RunAsync(new SimulationSettings(seed) { Cycles = parse.GetValue(cycles), Adapter = parse.GetValue(adapter), Substitute = Timing(parse) }, ledgers, cancellationToken);
        ran++;
        if (!result.Passed)
        {
            failed++;
            Console.WriteLine(result.Summary);
        }

        if (ran % 50 == 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ran} seeds, {failed} failed, {ran / clock.Elapsed.TotalSeconds:F1} seeds/s"));
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ran} seeds, {failed} failed in {clock.Elapsed.TotalSeconds:F0} s: {ran / clock.Elapsed.TotalSeconds:F1} seeds/s"));
    return failed == 0 ? 0 : 1;
});

var seed = new Option<int>("--seed") { Description = "The seed to replay.", Required = true };
var replay = new Command("replay", "Run one seed again and print its trace step by step: every exchange call, ledger unit of work, fault, crash and lease move, then the violations.");
foreach (var option in new Option[] { ledger, cycles, timing, adapter, seed })
{
    replay.Options.Add(option);
}

replay.SetAction(async (parse, cancellationToken) =>
{
    await using var ledgers = await SimulationLedgers.CreateAsync(parse.GetValue(ledger), cancellationToken);
    var result = await Simulation.RunAsync(
        new SimulationSettings(parse.GetValue(seed)) { Cycles = parse.GetValue(cycles), Adapter = parse.GetValue(adapter), OnStep = Console.WriteLine, Substitute = Timing(parse) },
        ledgers,
        cancellationToken);
    Console.WriteLine(result.Summary);
    Console.WriteLine($"trace digest {result.TraceDigest}");
    return result.Passed ? 0 : 1;
});

var root = new RootCommand("The TradingBot simulator: the worker's Application code on a real ledger against a misbehaving simulated exchange, driven by one seed.");
root.Subcommands.Add(run);
root.Subcommands.Add(replay);
return await root.Parse(args).InvokeAsync();
