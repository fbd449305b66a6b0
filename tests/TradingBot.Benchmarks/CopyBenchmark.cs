using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TradingBot.Application.Verification;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Copy;

namespace TradingBot.Benchmarks;

/// <summary>
/// copy-ledger against pgloader, in one run: a SQLite ledger of N fills (with their orders, positions and audit events)
/// and N funding snapshots is copied into Postgres by copy-ledger (the library path the verb runs: bulk copy, checksums on
/// both sides and verify's invariants on the target), and loaded into the same migrated schema by pgloader (data only,
/// no verification). Then the reverse direction, Postgres into a new SQLite file. Peak RSS is read per phase.
/// </summary>
internal static class CopyBenchmark
{
    private const int Symbols = 10;

    public static async Task RunAsync(int fills, CancellationToken cancellationToken)
    {
        Console.WriteLine(Invariant($"== copy-ledger: {fills:N0} fills, {fills / 2:N0} orders, {Symbols} positions, {fills / 10:N0} audit events, {fills:N0} funding snapshots"));
        await using var sqlite = new SqliteProvider();
        await using var source = await sqlite.CreateLedgerAsync("copy-source", null, cancellationToken);
        var sourceFile = new SqliteConnectionStringBuilder(source.ConnectionString).DataSource;
        var generate = Stopwatch.StartNew();
        await GenerateAsync(source, fills, cancellationToken);
        Console.WriteLine(Invariant($"  generated the SQLite ledger in {generate.Elapsed.TotalSeconds:F1} s ({new FileInfo(sourceFile).Length / 1048576.0:F0} MiB)"));
        await CheckAsync("source", source.Services, cancellationToken);

        Console.WriteLine("Starting a durable PostgreSQL server (fsync, full_page_writes, synchronous_commit on)...");
        await using var postgres = await PostgresProvider.StartAsync(cancellationToken);
        await using var target = await postgres.CreateLedgerAsync("copy-target", null, cancellationToken);
        await using var loaded = await postgres.CreateLedgerAsync("pgloader", null, cancellationToken);
        await CheckpointAsync(postgres, cancellationToken);

        var forward = await CopyAsync("SQLite -> Postgres", source, target, cancellationToken);
        await CheckpointAsync(postgres, cancellationToken);
        var pgloader = await PgloaderAsync(sourceFile, postgres, loaded, 2L * fills, cancellationToken);
        await using var back = await sqlite.CreateLedgerAsync("copy-back", null, cancellationToken);
        var reverse = await CopyAsync("Postgres -> SQLite", target, back, cancellationToken);

        Console.WriteLine();
        Console.WriteLine(Invariant($"### copy-ledger against pgloader ({fills:N0} fills, {fills:N0} funding snapshots; {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC)"));
        Console.WriteLine();
        Console.WriteLine("| path | copy (s) | after the copy (s): checksums and checks left | verify's checks (s), beside the history where the target allows | total (s) | rows/s overall | share after the copy | peak RSS (MiB) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in new[] { forward, reverse })
        {
            Console.WriteLine(Invariant(
                $"| copy-ledger {run.Name} | {run.Copy.TotalSeconds:F1} | {run.Verification.TotalSeconds:F1} | {run.Verify.TotalSeconds:F1} | {run.Total.TotalSeconds:F1} | {run.Rows / run.Total.TotalSeconds:N0} | {run.Verification / run.Total:P0} | {run.PeakRssMiB:F0} |"));
        }

        Console.WriteLine(Invariant($"| pgloader SQLite -> Postgres (data only, no verification) | {pgloader.Elapsed.TotalSeconds:F1} | - | - | {pgloader.Elapsed.TotalSeconds:F1} | {forward.Rows / pgloader.Elapsed.TotalSeconds:N0} | - | - |"));
        Console.WriteLine();
        Console.WriteLine(Invariant($"copy-ledger with its verification / pgloader without: {forward.Total / pgloader.Elapsed:F2}x the time (target: at most 1.00x)"));
        Console.WriteLine();
        Console.WriteLine("| table | SQLite -> Postgres rows/s | Postgres -> SQLite rows/s |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (table, rate) in forward.RowsPerSecond)
        {
            Console.WriteLine(Invariant($"| {table} | {rate:N0} | {reverse.RowsPerSecond.FirstOrDefault(r => r.Table == table).Rate:N0} |"));
        }

        Console.WriteLine();
        Console.WriteLine("pgloader's own summary:");
        Console.WriteLine(pgloader.Summary);
    }

    // Copy: until the last chunk is committed. Verification: from then to the end (what is left of the target's checksums,
    // read table by table beside the copy, and of verify's checks, which run beside the copy of the history on Postgres and
    // after the last write on SQLite); Verify: verify's checks alone, wherever they ran.
    private sealed record CopyRun(string Name, long Rows, TimeSpan Copy, TimeSpan Verification, TimeSpan Verify, double PeakRssMiB, IReadOnlyList<(string Table, double Rate)> RowsPerSecond)
    {
        public TimeSpan Total => Copy + Verification;
    }

    private static async Task<CopyRun> CopyAsync(string name, BenchLedger from, BenchLedger to, CancellationToken cancellationToken)
    {
        Console.WriteLine($"  copy-ledger {name}...");
        ResetPeakRss();
        var clock = Stopwatch.StartNew();
        var tableEnds = new List<(string Table, TimeSpan End, long Rows)>();
        var options = new LedgerCopyOptions
        {
            Progress = (table, rows, total) =>
            {
                if (rows >= total && !tableEnds.Exists(t => t.Table == table))
                {
                    tableEnds.Add((table, clock.Elapsed, rows));
                }
            },
        };
        var verify = TimeSpan.Zero;
        options = options with
        {
            CheckTarget = async ct =>
            {
                var began = clock.Elapsed;
                var verification = await to.Services.GetRequiredService<VerifyLedger>().ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), ct);
                verify = clock.Elapsed - began;
                return verification.Violations;
            },
        };
        var report = await LedgerCopier.CopyAsync(Endpoint(from, "from"), Endpoint(to, "to"), options, cancellationToken);
        var copied = tableEnds[^1].End;
        var verified = clock.Elapsed;
        if (!report.Verified)
        {
            throw new InvalidOperationException($"the copy {name} failed: {string.Join("; ", report.Differences.Concat(report.TargetViolations).Take(5))}");
        }

        var rates = tableEnds.Select((t, i) => (t.Table, t.Rows / Math.Max((t.End - (i == 0 ? TimeSpan.Zero : tableEnds[i - 1].End)).TotalSeconds, 1e-3))).ToList();
        var run = new CopyRun(name, report.Tables.Sum(t => t.Source.Rows), copied, verified - copied, verify, PeakRssMiB(), rates);
        Console.WriteLine(Invariant($"    {run.Total.TotalSeconds:F1} s (copy {run.Copy.TotalSeconds:F1}, after it {run.Verification.TotalSeconds:F1}; verify's checks took {run.Verify.TotalSeconds:F1}), peak RSS {run.PeakRssMiB:F0} MiB"));
        return run;
    }

    private static LedgerCopyEndpoint Endpoint(BenchLedger ledger, string name) =>
        new(ledger.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>(), ledger.Services.GetRequiredService<ILedgerBulkWriter>(), name);

    private static async Task CheckAsync(string name, IServiceProvider services, CancellationToken cancellationToken)
    {
        var report = await services.GetRequiredService<VerifyLedger>().ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), cancellationToken);
        if (!report.Passed)
        {
            throw new InvalidOperationException($"the generated {name} ledger does not pass verify: {string.Join("; ", report.Violations.Take(5))}");
        }
    }

    // A ledger whose invariants hold, written by SQLite itself: orders of 0.002 BENCHnUSDT at 100, each filled by two fills
    // of 0.001 (fee 0.0001 USDT), so each position is the exact sum of its fills.
    private static async Task GenerateAsync(BenchLedger ledger, int fills, CancellationToken cancellationToken)
    {
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandTimeout = 0;
        command.CommandText = Invariant($"""
            BEGIN;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {fills / 2})
            INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, price_quote, status, exchange_order_id, idempotency_key, filled_quantity_base, created_at, updated_at)
            SELECT printf('%08x-0000-4000-8000-%012x', i, i), 'PAPER', 'BENCH' || (i % {Symbols}) || 'USDT', 'BUY', 'MARKET', 200000, NULL, 'FILLED',
                   'PAPER:BENCH' || (i % {Symbols}) || 'USDT:' || i, 'bench-' || i, 200000,
                   strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || i || ' seconds'), strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || i || ' seconds')
            FROM n;
            WITH RECURSIVE n(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM n WHERE j < {fills})
            INSERT INTO fills (id, order_id, exchange_fill_id, price_quote, quantity_base, fee_quote, fee_asset, filled_at, position_sequence, created_at)
            SELECT printf('%08x-0001-4000-8000-%012x', j, j), printf('%08x-0000-4000-8000-%012x', (j + 1) / 2, (j + 1) / 2),
                   'PAPER:BENCH' || (((j + 1) / 2) % {Symbols}) || 'USDT:' || j, 10000000000, 100000, 10000, 'USDT',
                   strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || j || ' seconds'), ((((j + 1) / 2) - 1) / {Symbols}) * 2 + (j - 2 * (((j + 1) / 2) - 1)),
                   strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || j || ' seconds')
            FROM n;
            INSERT INTO positions (id, exchange, symbol, net_quantity_base, entry_notional_quote, realized_pnl_quote, fees_paid_quote, funding_quote, fill_count, version, updated_at, created_at)
            SELECT printf('%08x-0002-4000-8000-%012x', s, s), 'PAPER', symbol, SUM(quantity_base), SUM(price_quote * quantity_base / 100000000), 0, SUM(fee_quote), 0, COUNT(*), COUNT(*), MAX(filled_at), MIN(filled_at)
            FROM (SELECT o.symbol, f.*, CAST(substr(o.symbol, 6, 1) AS INTEGER) AS s FROM fills f JOIN orders o ON o.id = f.order_id) GROUP BY symbol;
            WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {fills / 10})
            INSERT INTO audit_log (id, event_type, event_data, created_at)
            SELECT printf('%08x-0003-4000-8000-%012x', k, k), 'FILL_RECORDED', json_object('fill', 'PAPER:BENCH' || (k % {Symbols}) || 'USDT:' || k, 'quantity', '0.001', 'price', '100'),
                   strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || k || ' seconds')
            FROM n;
            WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {fills})
            INSERT INTO funding_snapshots (id, exchange, symbol, funding_rate_bps, mark_price_quote, index_price_quote, snapshot_at, created_at)
            SELECT printf('%08x-0004-4000-8000-%012x', k, k), 'PAPER', 'BENCH' || (k % {Symbols}) || 'USDT', k % 9 - 4, 6400000000000 + k, 6399000000000 + k,
                   strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || k || ' seconds'), NULL
            FROM n;
            COMMIT;
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record PgloaderRun(TimeSpan Elapsed, string Summary);

    // pgloader, data only, into the migrated schema (FK triggers disabled while it loads, as its docs advise for data only).
    private static async Task<PgloaderRun> PgloaderAsync(string sqliteFile, PostgresProvider postgres, BenchLedger loaded, long fillsAndSnapshots, CancellationToken cancellationToken)
    {
        var pgloader = FindOnPath("pgloader") ?? throw new InvalidOperationException("pgloader is not installed (Debian: apt-get install pgloader)");
        var target = new NpgsqlConnectionStringBuilder(loaded.ConnectionString);
        var url = $"postgresql://{Uri.EscapeDataString(target.Username!)}{(string.IsNullOrEmpty(target.Password) ? "" : ":" + Uri.EscapeDataString(target.Password))}@{target.Host}:{target.Port}/{target.Database}";
        var command = Path.Combine(Path.GetTempPath(), $"pgloader-{Guid.NewGuid():N}.load");
        await File.WriteAllTextAsync(command, $"""
            LOAD DATABASE
              FROM sqlite://{sqliteFile}
              INTO {url}
            WITH data only, disable triggers, create no tables, create no indexes, reset no sequences, workers = 2, concurrency = 1
            SET PostgreSQL PARAMETERS timezone to 'UTC'
            EXCLUDING TABLE NAMES LIKE '__EFMigrationsHistory', '__EFMigrationsLock', 'ledger_transfers';
            """, cancellationToken);
        Console.WriteLine("  pgloader SQLite -> Postgres...");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo(pgloader, ["--on-error-stop", command]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var elapsed = clock.Elapsed;
        File.Delete(command);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgloader failed ({process.ExitCode}): {await error}{await output}");
        }

        await using var connection = await loaded.OpenConnectionAsync(cancellationToken);
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT (SELECT COUNT(*) FROM fills) + (SELECT COUNT(*) FROM funding_snapshots)";
        var rows = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        Console.WriteLine(Invariant($"    {elapsed.TotalSeconds:F1} s; fills + funding snapshots loaded: {rows}"));
        if (rows != fillsAndSnapshots)
        {
            // pgloader has been seen to hang without loading anything and to exit 0 when stopped: its time would mean nothing.
            throw new InvalidOperationException(Invariant($"pgloader loaded {rows} fills and funding snapshots of {fillsAndSnapshots} and exited {process.ExitCode}: no figure from this run. Its output: {await error}{await output}"));
        }

        return new PgloaderRun(elapsed, (await output) + (await error));
    }

    private static async Task CheckpointAsync(PostgresProvider postgres, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(postgres.Server.AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "CHECKPOINT";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    // Linux: writing 5 to clear_refs resets the process's peak resident set (VmHWM), so each phase reports its own peak.
    private static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static double PeakRssMiB()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
