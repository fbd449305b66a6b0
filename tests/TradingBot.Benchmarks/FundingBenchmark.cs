using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Infrastructure.Persistence.Partitions;
using TradingBot.Infrastructure.Persistence.Repositories;

namespace TradingBot.Benchmarks;

/// <summary>The 24h funding query's latency over a loaded series.</summary>
internal sealed record FundingResult(long Rows, TimeSpan Load, TimeSpan Analyze, int RowsReturned, int Iterations, double MedianMs, double P95Ms, double MinMs, double MaxMs, string Plan)
{
    /// <summary>
    /// The same command (EF Core's text and parameters) through raw ADO.NET, read as a hand-written repository would: each
    /// column by its type into the same <c>FundingSnapshot</c> list. Its median; the baseline of the target.
    /// </summary>
    public double RawMedianMs { get; init; }

    /// <summary>The same command through raw ADO.NET with every value read into an object array and nothing made of it: the floor.</summary>
    public double RawValuesMedianMs { get; init; }

    /// <summary>True for a ledger partitioned by month (Ledger:Partitioning=Monthly).</summary>
    public bool Partitioned { get; init; }

    /// <summary>Partitioned: the time the worker's maintenance took to make each month of the loaded series and move its rows out of the default partition.</summary>
    public TimeSpan SortedIntoMonths { get; init; }

    /// <summary>Funding snapshots appended through the unit of work, one durable commit each, per second (median of the rounds) after the query runs, at this size.</summary>
    public double AppendsPerSecond { get; init; }
}

/// <summary>
/// Loads <see cref="FundingSeries"/> into a fresh ledger, runs ANALYZE, then times the real repository query
/// — <c>IFundingSnapshotRepository.GetRangeAsync</c> through the unit of work, as
/// <c>LedgerQueries.FundingHistoryAsync</c> runs it — for one symbol and the 24 h up to the newest row, alternating
/// with the very command EF Core builds for it run through raw ADO.NET (every value read), and explains that command.
/// </summary>
internal static class FundingBenchmark
{
    /// <summary>Runs before any is timed: enough for the tiered JIT to have compiled every path's loop at full optimisation.</summary>
    public const int WarmUpIterations = 50;

    /// <summary>Appends measured after the queries: rounds of this long, after one of warm-up.</summary>
    private static readonly TimeSpan AppendRound = TimeSpan.FromSeconds(5);

    private const int AppendRounds = 3;

    public static async Task<FundingResult> RunAsync(LedgerProvider provider, FundingSeries series, int iterations, CancellationToken cancellationToken, bool partitioned = false)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(series);
        await using var ledger = await provider.CreateLedgerAsync(partitioned ? "funding_partitioned" : "funding", null, cancellationToken);
        var contexts = ledger.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>();
        var migrator = new LedgerMigrator(contexts, partitioned ? LedgerPartitioning.Monthly : LedgerPartitioning.None);
        if (partitioned)
        {
            await migrator.PreparePartitionsAsync(series.Newest, cancellationToken);
        }

        var clock = Stopwatch.StartNew();
        await provider.LoadFundingAsync(
            ledger,
            series,
            rows => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {rows} ({clock.Elapsed.TotalSeconds:F0} s)")),
            cancellationToken);
        var load = clock.Elapsed;
        var sorted = TimeSpan.Zero;
        if (partitioned)
        {
            // The series goes back about a year: its older months wait in the default partition until the worker makes them.
            clock.Restart();
            var months = await migrator.PreparePartitionsAsync(series.Newest, cancellationToken);
            sorted = clock.Elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    partitioned: {months.Created.Count} month(s) made, {months.RowsMoved:N0} rows moved out of the default partition in {sorted.TotalSeconds:F1} s"));
        }

        clock.Restart();
        await provider.AnalyzeAsync(ledger, cancellationToken);
        var analyze = clock.Elapsed;

        var stored = await StoredAsync(ledger, cancellationToken);
        if (stored.Count != series.TotalRows)
        {
            throw new InvalidOperationException($"the load stored {stored.Count} funding snapshots, not {series.TotalRows}");
        }

        // The last 24 h relative to the newest row, both ends included ([newest - 24h, newest + 1 µs)).
        var newest = stored.Newest;
        var from = newest - TimeSpan.FromHours(24);
        var until = newest + TimeSpan.FromMicroseconds(1);
        var expected = (int)(TimeSpan.FromHours(24) / FundingSeries.Interval) + 1;

        var ledgerUnit = ledger.Ledger;
        var samples = new List<double>(iterations);
        var rawSamples = new List<double>(iterations);
        var valuesSamples = new List<double>(iterations);
        var returned = 0;
        await using var context = await ledger.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>().CreateDbContextAsync(cancellationToken);
        await using var rawConnection = await ledger.OpenConnectionAsync(cancellationToken);
        await using var raw = FundingSnapshotRepository.RangeQuery(context, Workload.Exchange.Value, series.QuerySymbol.Value, from, until).CreateDbCommand();
        raw.Connection = rawConnection;
        for (var i = 0; i < WarmUpIterations + iterations; i++)
        {
            // The three reads take turns at going first, so none always runs after another's garbage.
            var valuesRows = 0;
            var rawRows = new List<FundingSnapshot>();
            IReadOnlyList<FundingSnapshot> rows = [];
            TimeSpan valuesElapsed = default, rawElapsed = default, elapsed = default;
            for (var turn = 0; turn < 3; turn++)
            {
                var started = Stopwatch.GetTimestamp();
                switch ((i + turn) % 3)
                {
                    case 0:
                        valuesRows = await ReadAllAsync(raw, cancellationToken);
                        valuesElapsed = Stopwatch.GetElapsedTime(started);
                        break;
                    case 1:
                        rawRows = await ReadSnapshotsAsync(provider, raw, series.QuerySymbol, cancellationToken);
                        rawElapsed = Stopwatch.GetElapsedTime(started);
                        break;
                    default:
                        rows = await ledgerUnit.ExecuteAsync(
                            (session, ct) => session.FundingSnapshots.GetRangeAsync(Workload.Exchange, series.QuerySymbol, from, until, ct),
                            cancellationToken);
                        elapsed = Stopwatch.GetElapsedTime(started);
                        break;
                }
            }

            if (rawRows.Count != expected || valuesRows != expected || rawRows[0].SnapshotAt != newest)
            {
                throw new InvalidOperationException($"the 24h query through raw ADO.NET returned {rawRows.Count} and {valuesRows} rows; expected {expected}");
            }

            returned = rows.Count;
            if (returned != expected || rows[0].SnapshotAt != newest || rows[^1].SnapshotAt != from)
            {
                throw new InvalidOperationException($"the 24h query returned {returned} rows from {rows[^1].SnapshotAt:O} to {rows[0].SnapshotAt:O}; expected {expected} from {from:O} to {newest:O}");
            }

            if (i >= WarmUpIterations)
            {
                rawSamples.Add(rawElapsed.TotalMilliseconds);
                valuesSamples.Add(valuesElapsed.TotalMilliseconds);
                samples.Add(elapsed.TotalMilliseconds);
            }
        }

        samples.Sort();
        rawSamples.Sort();
        valuesSamples.Sort();
        raw.CommandText = provider.ExplainPrefix + raw.CommandText;
        var plan = new List<string>();
        await using (var reader = await raw.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                plan.Add(reader.GetString(reader.FieldCount - 1).Trim());
            }
        }

        var appends = await AppendsPerSecondAsync(ledger, series, newest, cancellationToken);
        return new FundingResult(
            series.TotalRows,
            load,
            analyze,
            returned,
            iterations,
            Percentile(samples, 0.50),
            Percentile(samples, 0.95),
            samples[0],
            samples[^1],
            string.Join("; ", plan))
        {
            RawMedianMs = Percentile(rawSamples, 0.50),
            RawValuesMedianMs = Percentile(valuesSamples, 0.50),
            Partitioned = partitioned,
            SortedIntoMonths = sorted,
            AppendsPerSecond = appends,
        };
    }

    // The worker's write to this table: one snapshot per unit of work (a durable commit each), newer than every row.
    private static async Task<double> AppendsPerSecondAsync(BenchLedger ledger, FundingSeries series, DateTimeOffset newest, CancellationToken cancellationToken)
    {
        var step = 0;
        async Task<int> AppendForAsync(TimeSpan span)
        {
            var appended = 0;
            var started = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(started) < span)
            {
                var at = newest + (++step * TimeSpan.FromMilliseconds(1));
                await ledger.Ledger.ExecuteAsync(
                    async (session, ct) =>
                    {
                        await session.FundingSnapshots.AppendAsync(new FundingSnapshot(Workload.Exchange, series.QuerySymbol, new FundingRate(10_000), new Price(6_400_000_000_000), new Price(6_399_000_000_000), at), ct);
                        return 0;
                    },
                    cancellationToken);
                appended++;
            }

            return appended;
        }

        await AppendForAsync(TimeSpan.FromSeconds(1));
        var rates = new List<double>();
        for (var round = 0; round < AppendRounds; round++)
        {
            rates.Add(await AppendForAsync(AppendRound) / AppendRound.TotalSeconds);
        }

        rates.Sort();
        return Percentile(rates, 0.50);
    }

    // What a hand-written repository does with the command: each column read by its type (the provider's uuid and time
    // forms), one FundingSnapshot per row, the exchange and symbol the ones asked for.
    private static async Task<List<FundingSnapshot>> ReadSnapshotsAsync(LedgerProvider provider, System.Data.Common.DbCommand command, Symbol symbol, CancellationToken cancellationToken)
    {
        var snapshots = new List<FundingSnapshot>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            snapshots.Add(new FundingSnapshot(
                Workload.Exchange,
                symbol,
                new FundingRate(reader.GetInt64(1)),
                new Price(reader.GetInt64(2)),
                new Price(reader.GetInt64(3)),
                provider.ReadTime(reader, 4))
            {
                Id = provider.ReadGuid(reader, 0),
            });
        }

        return snapshots;
    }

    // Every row, every value into an object array, nothing made of them: the floor under any mapping.
    private static async Task<int> ReadAllAsync(System.Data.Common.DbCommand command, CancellationToken cancellationToken)
    {
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new object[reader.FieldCount];
        while (await reader.ReadAsync(cancellationToken))
        {
            reader.GetValues(values);
            rows++;
        }

        return rows;
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    public static double Percentile(List<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    private static async Task<(long Count, DateTimeOffset Newest)> StoredAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM funding_snapshots";
        var count = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        return (count, await NewestAsync(connection, cancellationToken));
    }

    private static async Task<DateTimeOffset> NewestAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(snapshot_at) FROM funding_snapshots";
        return await command.ExecuteScalarAsync(cancellationToken) switch
        {
            DateTime utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
            DateTimeOffset value => value,
            string text => Infrastructure.Sqlite.SqliteLedgerDialect.FromText(text),
            var other => throw new InvalidOperationException($"MAX(snapshot_at) came back as {other?.GetType().Name ?? "null"}"),
        };
    }
}
