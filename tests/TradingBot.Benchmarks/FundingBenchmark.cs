using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Repositories;

namespace TradingBot.Benchmarks;

/// <summary>The 24h funding query's latency over a loaded series.</summary>
internal sealed record FundingResult(long Rows, TimeSpan Load, TimeSpan Analyze, int RowsReturned, int Iterations, double MedianMs, double P95Ms, double MinMs, double MaxMs, string Plan)
{
    /// <summary>The same command (EF Core's text and parameters) through raw ADO.NET, every value read: its median.</summary>
    public double RawMedianMs { get; init; }
}

/// <summary>
/// Loads <see cref="FundingSeries"/> into a fresh ledger, runs ANALYZE, then times the real repository query
/// — <c>IFundingSnapshotRepository.GetRangeAsync</c> through the unit of work, as
/// <c>LedgerQueries.FundingHistoryAsync</c> runs it — for one symbol and the 24 h up to the newest row, alternating
/// with the very command EF Core builds for it run through raw ADO.NET (every value read), and explains that command.
/// </summary>
internal static class FundingBenchmark
{
    public const int WarmUpIterations = 5;

    public static async Task<FundingResult> RunAsync(LedgerProvider provider, FundingSeries series, int iterations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(series);
        await using var ledger = await provider.CreateLedgerAsync("funding", null, cancellationToken);

        var clock = Stopwatch.StartNew();
        await provider.LoadFundingAsync(
            ledger,
            series,
            rows => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {rows} ({clock.Elapsed.TotalSeconds:F0} s)")),
            cancellationToken);
        var load = clock.Elapsed;
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
        var returned = 0;
        await using var context = await ledger.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>().CreateDbContextAsync(cancellationToken);
        await using var rawConnection = await ledger.OpenConnectionAsync(cancellationToken);
        await using var raw = FundingSnapshotRepository.RangeQuery(context, Workload.Exchange.Value, series.QuerySymbol.Value, from, until).CreateDbCommand();
        raw.Connection = rawConnection;
        for (var i = 0; i < WarmUpIterations + iterations; i++)
        {
            var rawStarted = Stopwatch.GetTimestamp();
            var rawRows = await ReadAllAsync(raw, cancellationToken);
            var rawElapsed = Stopwatch.GetElapsedTime(rawStarted);
            if (rawRows != expected)
            {
                throw new InvalidOperationException($"the 24h query through raw ADO.NET returned {rawRows} rows; expected {expected}");
            }

            if (i >= WarmUpIterations)
            {
                rawSamples.Add(rawElapsed.TotalMilliseconds);
            }

            var started = Stopwatch.GetTimestamp();
            var rows = await ledgerUnit.ExecuteAsync(
                (session, ct) => session.FundingSnapshots.GetRangeAsync(Workload.Exchange, series.QuerySymbol, from, until, ct),
                cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            returned = rows.Count;
            if (returned != expected || rows[0].SnapshotAt != newest || rows[^1].SnapshotAt != from)
            {
                throw new InvalidOperationException($"the 24h query returned {returned} rows from {rows[^1].SnapshotAt:O} to {rows[0].SnapshotAt:O}; expected {expected} from {from:O} to {newest:O}");
            }

            if (i >= WarmUpIterations)
            {
                samples.Add(elapsed.TotalMilliseconds);
            }
        }

        samples.Sort();
        rawSamples.Sort();
        raw.CommandText = provider.ExplainPrefix + raw.CommandText;
        var plan = new List<string>();
        await using (var reader = await raw.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                plan.Add(reader.GetString(reader.FieldCount - 1).Trim());
            }
        }

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
        };
    }

    // Every row, every value, as a reader's caller would: the floor under any mapping EF Core adds.
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
