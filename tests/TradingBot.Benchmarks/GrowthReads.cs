using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Application.Ports;
using TradingBot.Application.Verification;
using TradingBot.Infrastructure.Persistence.Repositories;

using static System.FormattableString;

namespace TradingBot.Benchmarks;

/// <summary>
/// What a grown ledger costs to start on, check and read, on the ledgers of <see cref="GrowthBenchmark"/>: the worker's
/// start-up to its first decision, <c>verify</c> and <c>report</c> as processes (the built worker, as an operator runs
/// them: wall time and peak RSS from <c>/usr/bin/time</c>), and in process <c>verify</c>'s checks against a read of every
/// row of the tables it checks through raw ADO.NET, with the storage checks (SQLite: integrity_check) timed apart.
/// Every round measures every size in turn; the baseline is the smallest size.
/// </summary>
internal static class GrowthReads
{
    private const double StartupTarget = 1.2;
    private const double ReportTarget = 2.0;
    private const double VerifyTarget = 3.0;
    private const int VerifyTargetFrom = 1_000_000;

    private static readonly string[] VerifiedTables = ["orders", "fills", "positions", "funding_payments", "pnl_days"];

    private sealed record Sample(double StartupMs, double VerifyMs, double StorageMs, double RawReadMs, double VerifyProcessMs, double VerifyRssMiB, double ReportMs, double ReportRssMiB);

    public static async Task RunAsync(LedgerProvider provider, IReadOnlyList<(int Size, BenchLedger Ledger)> ledgers, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(ledgers);
        ArgumentNullException.ThrowIfNull(options);
        var samples = ledgers.ToDictionary(l => l.Size, _ => new List<Sample>());
        Console.WriteLine("    reads: warm-up (JIT, and each database's pages read once) ...");
        var verifying = !options.GrowthNoVerify;
        foreach (var (_, ledger) in ledgers.Where(_ => verifying))
        {
            await VerifyInProcessAsync(ledger, cancellationToken);
            await RawReadAsync(ledger, cancellationToken);
        }

        for (var round = 1; round <= options.Rounds; round++)
        {
            for (var k = 0; k < ledgers.Count; k++)
            {
                var (size, ledger) = ledgers[(k + round) % ledgers.Count];
                var (startup, _) = await WorkerRun.StartupAsync(provider, ledger, traceCommands: false, cancellationToken);
                var (verifyMs, storageMs) = verifying ? await VerifyInProcessAsync(ledger, cancellationToken) : (double.NaN, double.NaN);
                var raw = verifying ? await RawReadAsync(ledger, cancellationToken) : double.NaN;
                var verify = verifying ? await WorkerRun.VerbAsync(provider, ledger, "verify", cancellationToken) : (WallMs: double.NaN, PeakRssMiB: double.NaN);
                var report = await WorkerRun.VerbAsync(provider, ledger, "report", cancellationToken);
                var sample = new Sample(startup, verifyMs, storageMs, raw, verify.WallMs, verify.PeakRssMiB, report.WallMs, report.PeakRssMiB);
                samples[size].Add(sample);
                Console.WriteLine(Invariant(
                    $"    {size:N0} fills, round {round}: start-up {startup:F0} ms; verify in process {verifyMs:F0} ms (storage checks {storageMs:F0} ms), raw read {raw:F0} ms; verify {verify.WallMs:F0} ms / {verify.PeakRssMiB:F0} MiB; report {report.WallMs:F0} ms / {report.PeakRssMiB:F0} MiB"));
            }
        }

        double Median(int size, Func<Sample, double> of) => FillScenario.Median([.. samples[size].Select(of)]);
        var baseline = ledgers[0].Size;
        string Ratio(int size, Func<Sample, double> of, double target)
        {
            var ratio = Median(size, of) / Median(baseline, of);
            return Invariant($"**{ratio:F2}x**{(size != baseline && ratio > target ? " (missed)" : "")}");
        }

        Console.WriteLine();
        Console.WriteLine(Invariant($"# Start-up, verify and report as the ledger grows: {provider.Name} (medians of {options.Rounds} round(s); baseline: {baseline:N0} fills, same run)"));
        Console.WriteLine();
        Console.WriteLine("| fills | start-up to first decision ms | / base | report ms | / base | report peak RSS MiB | verify ms (process) | verify peak RSS MiB |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (size, _) in ledgers)
        {
            Console.WriteLine(Invariant(
                $"| {size:N0} | {Median(size, s => s.StartupMs):F0} | {Ratio(size, s => s.StartupMs, StartupTarget)} | {Median(size, s => s.ReportMs):F0} | {Ratio(size, s => s.ReportMs, ReportTarget)} | {Median(size, s => s.ReportRssMiB):F0} | {Median(size, s => s.VerifyProcessMs):F0} | {Median(size, s => s.VerifyRssMiB):F0} |"));
        }

        if (verifying)
        {
            Console.WriteLine();
            Console.WriteLine("| fills | verify in process ms | storage checks ms | ledger checks ms | raw read of the same tables ms | ledger checks / raw read |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
            foreach (var (size, _) in ledgers)
            {
                var checks = Median(size, s => s.VerifyMs - s.StorageMs);
                var raw = Median(size, s => s.RawReadMs);
                var ratio = checks / raw;
                // The target is set for a grown ledger; on a small one each query's fixed cost is most of verify's time.
                var verdict = size < VerifyTargetFrom ? " (no target under 1M)" : ratio > VerifyTarget ? " (missed)" : "";
                Console.WriteLine(Invariant(
                    $"| {size:N0} | {Median(size, s => s.VerifyMs):F0} | {Median(size, s => s.StorageMs):F0} | {checks:F0} | {raw:F0} | **{ratio:F2}x**{verdict} |"));
            }
        }

        await ProfileAsync(provider, ledgers[^1].Ledger, verifying, cancellationToken);
        await PointReads.RunAsync(provider, ledgers, cancellationToken);
        Console.WriteLine(Invariant(
            $"Targets: start-up at most {StartupTarget:F1}x and report at most {ReportTarget:F1}x the smallest size; verify's ledger checks (verify without its storage checks) at most {VerifyTarget:F1}x, from {VerifyTargetFrom:N0} fills, a raw read of {string.Join(", ", VerifiedTables)}; peak RSS flat."));
    }

    // What explains the figures at the largest size: the start-up's slowest commands, and verify's two streams as planned.
    private static async Task ProfileAsync(LedgerProvider provider, BenchLedger ledger, bool verifying, CancellationToken cancellationToken)
    {
        var (_, output) = await WorkerRun.StartupAsync(provider, ledger, traceCommands: true, cancellationToken);
        var commands = System.Text.RegularExpressions.Regex.Matches(output, @"Executed DbCommand \((\d+)ms\)[^\n]*\n((?:\s{6}[^\n]*\n)+)")
            .Select(m => (Ms: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Sql: System.Text.RegularExpressions.Regex.Replace(m.Groups[2].Value, @"\s+", " ").Trim()))
            .OrderByDescending(c => c.Ms).Take(5).ToList();
        Console.WriteLine();
        Console.WriteLine(Invariant($"Start-up's slowest commands at the largest size ({commands.Count} shown):"));
        foreach (var (ms, sql) in commands)
        {
            Console.WriteLine(Invariant($"  {ms} ms: {(sql.Length > 300 ? sql[..300] + " ..." : sql)}"));
        }

        if (!verifying)
        {
            return;
        }

        await PartsAsync(ledger, cancellationToken);
        await using var scope = ledger.Services.CreateAsyncScope();
        var contexts = scope.ServiceProvider.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Infrastructure.Persistence.LedgerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var batch = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
            OrderRepository.OrdersAfterQuery(db, null, OrderRepository.OrdersPerBatch).Select(o => o.Id), cancellationToken);
        foreach (var (name, query) in new (string, IQueryable<object>)[]
        {
            ("verify's fills in replay order", Infrastructure.Persistence.Repositories.FillRepository.ReplayQuery(db)),
            ("verify's next batch of orders", OrderRepository.OrdersAfterQuery(db, batch[0], OrderRepository.OrdersPerBatch)),
            ("the fills of a batch of orders", OrderRepository.FillsOfQuery(db, batch[0], batch[^1])),
        })
        {
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.OpenConnectionAsync(db.Database, cancellationToken);
            await using var command = Microsoft.EntityFrameworkCore.RelationalQueryableExtensions.CreateDbCommand(query);
            command.CommandText = provider.ExplainPrefix + command.CommandText;
            command.CommandTimeout = 0;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            Console.WriteLine(Invariant($"Plan of {name}:"));
            while (await reader.ReadAsync(cancellationToken))
            {
                Console.WriteLine("  " + reader.GetString(reader.FieldCount - 1));
            }
        }
    }

    // Where verify's checks spend their time at the largest size: each of its two streams read alone (the command's rows
    // read raw, then through the repository as verify consumes it), and verify's checks themselves on the same warm
    // ledger; medians of 3, after one warm-up.
    private static async Task PartsAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        var unitOfWork = ledger.Services.GetRequiredService<IUnitOfWork>();
        await using var scope = ledger.Services.CreateAsyncScope();
        var contexts = scope.ServiceProvider.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Infrastructure.Persistence.LedgerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true)
        {
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.OpenConnectionAsync(db.Database, cancellationToken);
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.ExecuteSqlRawAsync(db.Database, "SET jit = off", cancellationToken); // as verify's snapshot
        }

        async Task<(long Rows, Guid? First, Guid? Last)> RawAsync(IQueryable<object> query)
        {
            await using var command = Microsoft.EntityFrameworkCore.RelationalQueryableExtensions.CreateDbCommand(query);
            command.CommandTimeout = 0;
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.OpenConnectionAsync(db.Database, cancellationToken);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var values = new object[reader.FieldCount];
            var id = reader.GetOrdinal("id");
            var rows = 0L;
            Guid? first = null, last = null;
            while (await reader.ReadAsync(cancellationToken))
            {
                reader.GetValues(values);
                last = values[id] is Guid guid ? guid : Guid.Parse((string)values[id]);
                first ??= last;
                rows++;
            }

            return (rows, first, last);
        }

        // verify's batches read raw: the next orders by key, then the fills of exactly their ids.
        async Task<long> RawBatchesAsync()
        {
            var rows = 0L;
            Guid? after = null;
            while (true)
            {
                var (orders, first, last) = await RawAsync(OrderRepository.OrdersAfterQuery(db, after, OrderRepository.OrdersPerBatch));
                if (first is null || last is null)
                {
                    return rows;
                }

                rows += orders + (await RawAsync(OrderRepository.FillsOfQuery(db, first.Value, last.Value))).Rows;
                after = last;
            }
        }

        Task<long> RepositoryAsync(Func<ILedgerSession, CancellationToken, IAsyncEnumerable<object>> stream) =>
            unitOfWork.ReadAsync(
                async (session, ct) =>
                {
                    var rows = 0L;
                    await foreach (var _ in stream(session, ct).WithCancellation(ct))
                    {
                        rows++;
                    }

                    return rows;
                },
                cancellationToken);

        var parts = new (string Name, Func<Task<long>> Run)[]
        {
            ("orders with their fills, a batch at a time (verify's one read), raw", RawBatchesAsync),
            ("orders with their fills, a batch at a time (verify's one read), repository", () => RepositoryAsync((s, ct) => s.Orders.StreamWithFillsAsync(ct))),
            ("fills sorted by sequence (verify's re-read when it gives up holding), raw", async () => (await RawAsync(Infrastructure.Persistence.Repositories.FillRepository.ReplayQuery(db))).Rows),
            ("fills sorted by sequence (verify's re-read when it gives up holding), repository", () => RepositoryAsync((s, ct) => s.Fills.StreamForReplayAsync(ct))),
        };
        Console.WriteLine();
        Console.WriteLine("verify's streams read alone at the largest size (medians of 3 ms; raw: the command's rows read by ADO.NET; repository: mapped to the domain in a snapshot, as verify reads them):");
        foreach (var (name, run) in parts)
        {
            var rows = await run();
            var times = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                var clock = Stopwatch.StartNew();
                await run();
                times.Add(clock.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine(Invariant($"  {name}: {FillScenario.Median([.. times]):F0} ms ({rows:N0} items)"));
        }

        var checks = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var (verifyMs, storageMs) = await VerifyInProcessAsync(ledger, cancellationToken);
            checks.Add(verifyMs - storageMs);
        }

        Console.WriteLine(Invariant($"  verify's checks (verify in process less its storage checks, as in the rounds): {FillScenario.Median([.. checks]):F0} ms"));
    }

    // VerifyLedger as the verb runs it, and its storage checks (duplicates; SQLite's integrity_check) alone.
    private static async Task<(double VerifyMs, double StorageMs)> VerifyInProcessAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        var verify = ledger.Services.GetRequiredService<VerifyLedger>();
        var integrity = ledger.Services.GetRequiredService<ILedgerIntegrity>();
        var clock = Stopwatch.StartNew();
        var report = await verify.ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), cancellationToken);
        var verifyMs = clock.Elapsed.TotalMilliseconds;
        if (!report.Passed)
        {
            throw new InvalidOperationException("the benchmark's ledger does not pass verify: " + string.Join("; ", report.Violations.Take(3)));
        }

        clock.Restart();
        _ = await integrity.CheckStorageAsync(cancellationToken);
        return (verifyMs, clock.Elapsed.TotalMilliseconds);
    }

    // Every row and column of the tables verify checks, read with the provider's ADO.NET reader and nothing made of it.
    private static async Task<double> RawReadAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        var clock = Stopwatch.StartNew();
        foreach (var table in VerifiedTables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table}";
            command.CommandTimeout = 0;
            await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
            var values = new object[reader.FieldCount];
            while (await reader.ReadAsync(cancellationToken))
            {
                reader.GetValues(values);
            }
        }

        return clock.Elapsed.TotalMilliseconds;
    }
}

/// <summary>The built worker (Release) run as a process against a benchmark ledger, on a fresh paper exchange.</summary>
internal static class WorkerRun
{
    private static readonly Lazy<string> WorkerDll = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TradingBot.sln")))
        {
            directory = directory.Parent;
        }

        var dll = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("TradingBot.sln not found above the benchmark"), "Host.Worker", "bin", "Release", "net10.0", "TradingBot.Host.Worker.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("the worker is not built in Release (dotnet build -c Release tests/TradingBot.Benchmarks builds it)", dll);
    });

    /// <summary>
    /// Milliseconds from starting <c>run</c> to its first cycle's log line (its first decision), and what it wrote; the
    /// worker is then killed. <paramref name="traceCommands"/> logs every command EF Core runs, with its duration.
    /// </summary>
    public static async Task<(double Ms, string Output)> StartupAsync(LedgerProvider provider, BenchLedger ledger, bool traceCommands, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("tradingbot-startup-");
        try
        {
            var start = StartInfo(provider, ledger, folder.FullName, "run");
            if (traceCommands)
            {
                start.Environment["Logging__LogLevel__Microsoft.EntityFrameworkCore.Database.Command"] = "Information";
            }

            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the worker");
            var decided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var output = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                if (e.Data?.Contains("Cycle: ", StringComparison.Ordinal) == true)
                {
                    decided.TrySetResult();
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync(cancellationToken);
            if (await Task.WhenAny(decided.Task, exited, Task.Delay(TimeSpan.FromMinutes(10), cancellationToken)) != decided.Task)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException("the worker made no decision:\n" + output);
            }

            var elapsed = clock.Elapsed.TotalMilliseconds;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken);
            lock (output)
            {
                return (elapsed, output.ToString());
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Runs a read-only verb to its end: wall time and peak RSS, from /usr/bin/time.</summary>
    public static async Task<(double WallMs, double PeakRssMiB)> VerbAsync(LedgerProvider provider, BenchLedger ledger, string verb, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("tradingbot-verb-");
        try
        {
            var measured = Path.Combine(folder.FullName, "time.txt");
            var inner = StartInfo(provider, ledger, folder.FullName, verb);
            var start = new ProcessStartInfo("/usr/bin/time") { WorkingDirectory = folder.FullName, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in (string[])["-o", measured, "-f", "%M %e", inner.FileName, .. inner.ArgumentList])
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (key, value) in inner.Environment)
            {
                start.Environment[key] = value;
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/bin/time (apt-get install time)");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{verb} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
            }

            var parts = (await File.ReadAllTextAsync(measured, cancellationToken)).Trim().Split(' ');
            return (double.Parse(parts[1], CultureInfo.InvariantCulture) * 1000, long.Parse(parts[0], CultureInfo.InvariantCulture) / 1024.0);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>How the worker is started on <paramref name="ledger"/> in <paramref name="folder"/> (its paper exchange's state there too).</summary>
    public static ProcessStartInfo StartInfo(LedgerProvider provider, BenchLedger ledger, string folder, string verb)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(WorkerDll.Value);
        start.ArgumentList.Add(verb);
        File.Copy(Path.Combine(Path.GetDirectoryName(WorkerDll.Value)!, "appsettings.json"), Path.Combine(folder, "appsettings.json"), overwrite: true);
        start.Environment["DOTNET_CONTENTROOT"] = folder;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Ledger__Provider"] = provider.Name == "SQLite" ? "Sqlite" : "Postgres";
        start.Environment["ConnectionStrings__Ledger"] = ledger.ConnectionString;
        start.Environment["Exchange__Paper__StatePath"] = Path.Combine(folder, "paper-exchange.db");
        return start;
    }
}
