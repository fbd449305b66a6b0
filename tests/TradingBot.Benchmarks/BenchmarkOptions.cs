using System.Globalization;

namespace TradingBot.Benchmarks;

/// <summary>Command line: <c>[--quick] [--rounds N] [--sqlite | --postgres] [--no-fills] [--no-funding] [--partitioned] [--split] [--show-sql] [--many-ledgers] [--copy [N]] [--growth [N] [--reads-only]] [--paper [N]] [--memory [N] [--minutes M] [--made N] [--trades-per-order K]]</c>.</summary>
internal sealed record BenchmarkOptions
{
    public bool Quick { get; init; }

    public bool Sqlite { get; init; } = true;

    public bool Postgres { get; init; } = true;

    public bool Fills { get; init; } = true;

    public bool Funding { get; init; } = true;

    public bool ShowSql { get; init; }

    /// <summary>--many-ledgers: 1, 4 and 16 ledgers on one Postgres, a writer each, against pgbench; then exit.</summary>
    public bool ManyLedgers { get; init; }

    /// <summary>--copy [N]: the copy-ledger benchmark against pgloader with N fills and N funding snapshots (default 1,000,000), then exit.</summary>
    public int? CopyFills { get; init; }

    /// <summary>--growth [N]: record-fill throughput on ledgers of 10k, 1M, 10M … up to N fills of history (default 1,000,000), then exit.</summary>
    public int? GrowthFills { get; init; }

    /// <summary>--partitioned: the funding query and appends also on a Postgres ledger partitioned by month, the same series.</summary>
    public bool Partitioned { get; init; }

    /// <summary>--reads-only: --growth without its record-fill rounds (start-up, verify and report only).</summary>
    public bool GrowthReadsOnly { get; init; }

    /// <summary>--no-verify: --growth's reads without verify (start-up and report only: minutes instead of an hour at 10M).</summary>
    public bool GrowthNoVerify { get; init; }

    /// <summary>The history sizes of --growth: 10,000, 1,000,000, 10,000,000 and 100,000,000, up to <see cref="GrowthFills"/>.</summary>
    public IReadOnlyList<int> GrowthSizes => [.. ((int[])[10_000, 1_000_000, 10_000_000, 100_000_000]).Where(size => size <= (GrowthFills ?? 0))];

    /// <summary>--memory [N]: the worker's managed heap and RSS over a run on the paper exchange, on a ledger seeded with N fills (default 1,000,000), then exit.</summary>
    public int? MemoryFills { get; init; }

    /// <summary>--minutes M: how long --memory's worker trades at most (default 60).</summary>
    public int MemoryMinutes { get; init; } = 60;

    /// <summary>--made N: --memory's run ends once its worker has made N fills itself (default: only --minutes ends it).</summary>
    public long? MemoryMadeFills { get; init; }

    /// <summary>--trades-per-order K: the paper exchange fills each of --memory's market orders in 1 to K trades (default 3, the paper exchange's own).</summary>
    public int MemoryTradesPerOrder { get; init; } = 3;

    /// <summary>--paper [N]: the paper exchange's cost per cycle as its history grows to N cycles (default 100,000), then exit.</summary>
    public int? PaperCycles { get; init; }

    /// <summary>--reingest N: trade ingestion reading again N trades the ledger has, against the path before it; then exit.</summary>
    public int? ReingestTrades { get; init; }

    /// <summary>
    /// --split: record Npgsql's command activities, to split one writer's time per fill into inside and between
    /// commands. Off by default: recording them costs the raw baseline more than the EF path (about 6 KiB per fill
    /// against 1 KiB, for a batch's activity), which would flatter the EF/raw ratios.
    /// </summary>
    public bool Split { get; init; }

    public TimeSpan WarmUp => Quick ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(2);

    public TimeSpan Measure => Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(8);

    /// <summary>Each path runs this long once per provider before anything is measured, so the JIT has tiered its code up.</summary>
    public TimeSpan JitWarmUp => Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(15);

    /// <summary>
    /// Measured rounds per scenario (raw and EF alternate which goes first); the report gives medians. Five by default:
    /// single 8 s rounds on this kind of host move by 20–30 %, and a median of five is not moved by two slow rounds.
    /// </summary>
    public int Rounds => RoundsChosen ?? (Quick ? 1 : 5);

    /// <summary>--rounds N.</summary>
    public int? RoundsChosen { get; init; }

    public IReadOnlyList<int> WriterCounts { get; } = [1, 4];

    /// <summary>10 symbols × 1,000,000 rows (10M); --quick: 10 × 100,000 (1M).</summary>
    public int FundingSymbols { get; init; } = 10;

    public int FundingRowsPerSymbol => Quick ? 100_000 : 1_000_000;

    public int FundingIterations { get; init; } = 100;

    public const string Usage = """
        usage: dotnet run -c Release --project tests/TradingBot.Benchmarks -- [options]
          --quick       short run: one round of 0.5 s warm-up + 2 s per scenario, 1M funding rows (smoke test; figures indicative only)
          --rounds N    measured rounds per record-fill scenario (default 5; --quick: 1)
          --sqlite      SQLite only
          --postgres    Postgres only
          --no-fills    skip the record-fill throughput scenarios
          --no-funding  skip the 24h funding query
          --partitioned also the 24h funding query and funding appends on a Postgres ledger partitioned by month
                        (Ledger:Partitioning=Monthly), the same series loaded, against the plain one
          --split       also time Npgsql's commands (Postgres), to split one writer's time per fill into inside and
                        between commands; recording the commands costs the raw baseline more than the EF path
          --show-sql    print the statements one EF record-fill sends on each provider, then exit
          --many-ledgers  1, 4 and 16 ledgers (databases) on one Postgres, one EF writer each: fills/s of all, p50/p99
                        of a record-fill, against pgbench TPC-B with as many clients; then exit
          --copy [N]    copy-ledger SQLite -> Postgres against pgloader, and back, with N fills and N funding
                        snapshots (default 1000000); needs pgloader (apt-get install pgloader); then exit
          --growth [N]  record-fill throughput (EF path, 1 and 4 writers) on ledgers with 10k, 1M, 10M ... up to N fills of
                        history (default 1000000; 10000000 for the 10M figure), against the smallest; then the worker's
                        start-up to its first decision, verify (peak RSS; its checks against a raw read of the same
                        tables) and report on each; then exit. --reads-only skips the record-fill rounds, --no-verify verify
          --paper [N]   the paper exchange's cost per trading cycle as its history grows to N cycles (default 100000):
                        median and p99 at 1k, 10k, 100k... against the first size, state file, heap and RSS; then exit
          --reingest [N] trade ingestion reading again N trades of one order that the ledger has (default 1000; each cycle reads
                        again the hour before the latest fill), against the path before it (each trade looked up and recorded); then exit
          --memory [N]  the worker as a process at poll 100 ms on the paper exchange (four symbols) on a ledger seeded with N
                        fills of history (default 1000000), trading for --minutes M (default 60): its managed heap after
                        a full GC and RSS every 15 s, against the first sample after a tenth of the run; then exit.
                        --made N ends the run once the worker has made N fills itself; --trades-per-order K (1-1000)
                        lets each market order walk the paper book in up to K trades, so that a run makes a million fills
        """;

    public static BenchmarkOptions? Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            options = args[i] switch
            {
                "--quick" => options with { Quick = true },
                "--rounds" when i + 1 < args.Count && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var rounds) && rounds is >= 1 and <= 99
                    => options with { RoundsChosen = rounds },
                "--sqlite" => options with { Postgres = false },
                "--postgres" => options with { Sqlite = false },
                "--no-fills" => options with { Fills = false },
                "--no-funding" => options with { Funding = false },
                "--show-sql" => options with { ShowSql = true },
                "--split" => options with { Split = true },
                "--many-ledgers" => options with { ManyLedgers = true },
                "--copy" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var fills) && fills is >= 1_000 and <= 100_000_000
                    => options with { CopyFills = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--copy" => options with { CopyFills = 1_000_000 },
                "--paper" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var cycles) && cycles is >= 1_000 and <= 10_000_000
                    => options with { PaperCycles = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--paper" => options with { PaperCycles = 100_000 },
                "--reingest" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var reread) && reread is >= 1 and <= 100_000
                    => options with { ReingestTrades = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--reingest" => options with { ReingestTrades = 1_000 },
                "--memory" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var memoryFills) && memoryFills is >= 10_000 and <= 100_000_000
                    => options with { MemoryFills = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--memory" => options with { MemoryFills = 1_000_000 },
                "--made" when i + 1 < args.Count && long.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var made) && made is >= 1 and <= 1_000_000_000
                    => options with { MemoryMadeFills = made },
                "--trades-per-order" when i + 1 < args.Count && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var perOrder) && perOrder is >= 1 and <= 1_000
                    => options with { MemoryTradesPerOrder = perOrder },
                "--minutes" when i + 1 < args.Count && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) && minutes is >= 1 and <= 10_000
                    => options with { MemoryMinutes = minutes },
                "--growth" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var history) && history is >= 10_000 and <= 100_000_000
                    => options with { GrowthFills = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--growth" => options with { GrowthFills = 1_000_000 },
                "--reads-only" => options with { GrowthReadsOnly = true },
                "--partitioned" => options with { Partitioned = true },
                "--no-verify" => options with { GrowthNoVerify = true },
                _ => null,
            };
            if (options is null)
            {
                return null;
            }
        }

        return options;
    }
}
