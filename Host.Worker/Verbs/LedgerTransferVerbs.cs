using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Spectre.Console;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Verification;
using TradingBot.Host.Worker.Composition;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Persistence.Partitions;

using TradingBot.Hosting;

namespace TradingBot.Host.Worker.Verbs;

/// <summary>What copy-ledger was asked to do.</summary>
/// <param name="ToProvider">The target's provider (--to-provider).</param>
/// <param name="To">The target's connection string (--to), or null to read ConnectionStrings:CopyTarget.</param>
/// <param name="Wait">Wait for a worker holding either ledger to stop, instead of refusing.</param>
/// <param name="VerifyOnly">Compare an existing copy only; write nothing.</param>
/// <param name="Force">Copy a ledger that was already copied.</param>
internal sealed record CopyLedgerRequest(string ToProvider, string? To, bool Wait, bool VerifyOnly, bool Force)
{
    /// <summary>The target's partitioning (--to-partitioning): None or Monthly (Postgres only); null: None.</summary>
    public string? ToPartitioning { get; init; }
}

/// <summary>
/// The verbs that move a whole ledger, all through <see cref="LedgerCopier"/>: copy-ledger (into another ledger, holding
/// both leases, fenced), backup (a live ledger's snapshot into a new SQLite file, while the worker trades) and restore (a
/// SQLite backup into the configured, empty ledger). Each verifies what it wrote: every table's count and checksum on
/// both sides, then the ledger's invariants on what was written.
/// </summary>
internal static class LedgerTransferVerbs
{
    private static readonly TimeSpan LeaseRetry = TimeSpan.FromSeconds(1);

    /// <summary>copy-ledger: the target's connection string comes from --to, or ConnectionStrings:CopyTarget (appsettings.json, or the environment variable ConnectionStrings__CopyTarget, which keeps a password out of the process list).</summary>
    public static async Task<int> CopyLedgerAsync(CopyLedgerRequest request, string[] configurationArgs, CancellationToken cancellationToken)
    {
        var (builder, source) = WorkerHost.CreateBuilder(configurationArgs, withExchange: false);
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var contentRoot = host.Services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        var target = Target(request, configuration, contentRoot);
        if (target.Identity == source.Identity)
        {
            throw new TradingBotConfigurationException($"the copy's target is the configured ledger itself ({source.Describe()}); name another database.");
        }

        if (source.SqliteFile is { } file && !File.Exists(file))
        {
            throw new NoLedgerException($"no ledger at {file} (ConnectionStrings:Ledger) to copy from. Nothing was created.");
        }

        await WorkerHost.RequireLedgerAsync(host.Services, source, cancellationToken).ConfigureAwait(false);
        await using var targetServices = OtherLedger(target, host.Services);
        Console.WriteLine($"Source: {source.Describe()}");
        Console.WriteLine($"Target: {target.Describe()}");
        return await WithLeaseAsync(host.Services, source, request.Wait, () =>
            WithLeaseAsync(targetServices, target, request.Wait, async () =>
            {
                var from = Endpoint(host.Services, source);
                var to = Endpoint(targetServices, target);
                var check = new TargetCheck(host.Services, targetServices);
                var started = Stopwatch.GetTimestamp();
                LedgerCopyReport report;
                if (request.VerifyOnly)
                {
                    await WorkerHost.RequireLedgerAsync(targetServices, target, cancellationToken).ConfigureAwait(false);
                    report = await LedgerCopier.VerifyAsync(from, to, check.RunAsync, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await LedgerCopier.CheckSourceAsync(from.Contexts, request.Force, cancellationToken).ConfigureAwait(false);
                    await MigrateAsync(targetServices, cancellationToken).ConfigureAwait(false);
                    report = await CopyWithProgressAsync(from, to, new LedgerCopyOptions { Force = request.Force, CheckTarget = check.RunAsync }, cancellationToken).ConfigureAwait(false);
                    await SortIntoMonthsAsync(targetServices, cancellationToken).ConfigureAwait(false);
                }

                var verb = request.VerifyOnly ? "copy-ledger --verify-only" : "copy-ledger";
                var code = Report(verb, report, Stopwatch.GetElapsedTime(started), check);
                if (code == 0 && !request.VerifyOnly)
                {
                    Console.WriteLine($"The source is now fenced: a worker started on {source.Describe()} refuses to run (unless given --force). Switch Ledger:Provider and ConnectionStrings:Ledger to the target and start the worker.");
                }

                return code;
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// backup FILE: the configured ledger, read in one snapshot (no lease: a running worker goes on trading), copied into a
    /// new SQLite ledger file, verified against that snapshot, and only then given its name (until then it is FILE.partial).
    /// </summary>
    public static async Task<int> BackupAsync(string file, string[] configurationArgs, CancellationToken cancellationToken)
    {
        var (builder, source) = WorkerHost.CreateBuilder(configurationArgs, withExchange: false, readOnly: true);
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        await WorkerHost.RequireLedgerAsync(host.Services, source, cancellationToken).ConfigureAwait(false);
        var path = NewFile(file);
        var partial = path + ".partial";

        SqliteBackupFile.Delete(partial); // left by a backup that was stopped: it never had the backup's name
        var target = SqliteBackupFile.Settings(partial);
        Console.WriteLine($"Source: {source.Describe()}");
        Console.WriteLine($"Backup: {path}");
        int code;
        try
        {
            await using (var targetServices = OtherLedger(target, host.Services))
            {
                var started = Stopwatch.GetTimestamp();
                await MigrateAsync(targetServices, cancellationToken).ConfigureAwait(false);
                var check = new TargetCheck(host.Services, targetServices);
                var report = await CopyWithProgressAsync(Endpoint(host.Services, source), Endpoint(targetServices, target), new LedgerCopyOptions { Snapshot = true, CheckTarget = check.RunAsync }, cancellationToken).ConfigureAwait(false);
                code = Report("backup", report, Stopwatch.GetElapsedTime(started), check);
            }

            SqliteBackupFile.ReleaseConnections();
            if (code == 0)
            {
                await SqliteBackupFile.SealAsync(partial, cancellationToken).ConfigureAwait(false);
                File.Move(partial, path);
                Console.WriteLine($"Backup written: {path} (restore it with: restore {path}).");
            }
        }
        finally
        {
            SqliteBackupFile.ReleaseConnections();
            SqliteBackupFile.Delete(partial);
        }

        return code;
    }

    /// <summary>
    /// backup FILE --pg-dump: a Postgres ledger in pg_dump's custom format, from a snapshot the ledger exports, with that
    /// snapshot's checksums beside it; named FILE only once pg_restore lists every table's data in it.
    /// </summary>
    public static async Task<int> PgDumpAsync(string file, string[] configurationArgs, CancellationToken cancellationToken)
    {
        // Not read-only: that mode is SQLite's, and checks for the file before the provider is known to be the wrong one.
        var (builder, source) = WorkerHost.CreateBuilder(configurationArgs, withExchange: false);
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        if (source.Provider != LedgerProvider.Postgres)
        {
            throw new TradingBotConfigurationException("--pg-dump backs up a Postgres ledger; this one is SQLite, whose backup is a SQLite file (leave out --pg-dump).");
        }

        var tools = PgDumpFile.ToolFolder()
            ?? throw new TradingBotConfigurationException("--pg-dump needs pg_dump and pg_restore (on PATH or in pg_config --bindir; Debian: apt-get install postgresql-client); without them, backup writes a portable SQLite file.");
        var path = NewFile(file);
        var partial = path + ".partial";
        await WorkerHost.RequireLedgerAsync(host.Services, source, cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"Source: {source.Describe()}");
        Console.WriteLine($"Backup: {path} (pg_dump custom format)");
        try
        {
            var digests = await PgDumpFile.BackupAsync(host.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>(), source.ConnectionString, partial, tools, cancellationToken).ConfigureAwait(false);
            foreach (var table in digests)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{table.Table,-18} snapshot {table.Rows,10} rows {table.Checksum:x16}"));
            }

            File.Move(PgDumpFile.ChecksumsFile(partial), PgDumpFile.ChecksumsFile(path));
            File.Move(partial, path);
            Console.WriteLine($"Backup written: {path}, its snapshot's checksums in {PgDumpFile.ChecksumsFile(path)} (restore it into an empty Postgres database with: restore {path}).");
            return 0;
        }
        finally
        {
            File.Delete(partial);
            File.Delete(PgDumpFile.ChecksumsFile(partial));
        }
    }

    /// <summary>restore FILE: a SQLite backup (or any SQLite ledger file, opened read-only) into the configured ledger, which must be empty.</summary>
    public static async Task<int> RestoreAsync(string file, bool wait, string[] configurationArgs, CancellationToken cancellationToken)
    {
        var (builder, target) = WorkerHost.CreateBuilder(configurationArgs, withExchange: false);
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            throw new NoLedgerException($"no backup at {path}. Nothing was changed.");
        }

        if (PgDumpFile.IsDump(path))
        {
            return await RestoreDumpAsync(path, target, wait, host.Services, cancellationToken).ConfigureAwait(false);
        }

        var source = SqliteBackupFile.Settings(path, readOnly: true);
        if (source.Identity == target.Identity)
        {
            throw new TradingBotConfigurationException($"{path} is the configured ledger itself; restore into another (set ConnectionStrings:Ledger).");
        }

        await using var sourceServices = OtherLedger(source, host.Services);
        await WorkerHost.RequireLedgerAsync(sourceServices, source, cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"Backup: {path}");
        Console.WriteLine($"Target: {target.Describe()}");
        return await WithLeaseAsync(host.Services, target, wait, async () =>
        {
            var from = Endpoint(sourceServices, source);
            var started = Stopwatch.GetTimestamp();
            await LedgerCopier.CheckSourceAsync(from.Contexts, force: true, cancellationToken).ConfigureAwait(false);
            await MigrateAsync(host.Services, cancellationToken).ConfigureAwait(false);
            var check = new TargetCheck(host.Services, host.Services);
            var report = await CopyWithProgressAsync(from, Endpoint(host.Services, target), new LedgerCopyOptions { Snapshot = true, CheckTarget = check.RunAsync }, cancellationToken).ConfigureAwait(false);
            await SortIntoMonthsAsync(host.Services, cancellationToken).ConfigureAwait(false);
            return Report("restore", report, Stopwatch.GetElapsedTime(started), check);
        }, cancellationToken).ConfigureAwait(false);
    }

    // A pg_dump file into the configured Postgres ledger (an empty database) through pg_restore, then its checksums
    // compared with those written beside it at backup, and verify's checks.
    private static async Task<int> RestoreDumpAsync(string path, LedgerSettings target, bool wait, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (target.Provider != LedgerProvider.Postgres)
        {
            throw new TradingBotConfigurationException($"{path} is a pg_dump file, which restores into Postgres only (set Ledger:Provider=Postgres and ConnectionStrings:Ledger to an empty database); a SQLite ledger is restored from a SQLite backup.");
        }

        var tools = PgDumpFile.ToolFolder()
            ?? throw new TradingBotConfigurationException("restoring a pg_dump file needs pg_restore (on PATH or in pg_config --bindir; Debian: apt-get install postgresql-client).");
        var expected = await PgDumpFile.ReadChecksumsAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new TradingBotConfigurationException($"{PgDumpFile.ChecksumsFile(path)} is missing: without the snapshot's checksums the restore cannot be verified. Keep it beside the dump.");
        Console.WriteLine($"Backup: {path} (pg_dump custom format)");
        Console.WriteLine($"Target: {target.Describe()}");
        return await WithLeaseAsync(services, target, wait, async () =>
        {
            var started = Stopwatch.GetTimestamp();
            await PgDumpFile.RestoreAsync(target.ConnectionString, path, tools, cancellationToken).ConfigureAwait(false);
            var check = new TargetCheck(services, services);
            // The checksums, then verify's checks, in turn (as copy-ledger does: side by side they took longer on two cores).
            var restored = await LedgerDigest.ComputeAsync(services.GetRequiredService<IDbContextFactory<LedgerDbContext>>(), cancellationToken).ConfigureAwait(false);
            var violations = await check.RunAsync(cancellationToken).ConfigureAwait(false);
            var report = new LedgerCopyReport(Guid.Empty, [.. expected.Zip(restored, (s, t) => new TableComparison(s, t))], LedgerDigest.Differences(expected, restored), false)
            {
                TargetViolations = violations,
            };
            return Report("restore", report, Stopwatch.GetElapsedTime(started), check);
        }, cancellationToken).ConfigureAwait(false);
    }

    // A new file's absolute path: refused when it exists (a backup never overwrites) or its folder does not.
    private static string NewFile(string file)
    {
        var path = Path.GetFullPath(file);
        if (File.Exists(path))
        {
            throw new TradingBotConfigurationException($"{path} exists; a backup never overwrites a file. Name a new one.");
        }

        return Directory.Exists(Path.GetDirectoryName(path)) ? path : throw new TradingBotConfigurationException($"the folder of {path} does not exist.");
    }

    private static LedgerSettings Target(CopyLedgerRequest request, IConfiguration configuration, string contentRoot)
    {
        var provider = ConfigurationChoice.Parse(request.ToProvider, "--to-provider", LedgerProvider.Sqlite);
        var (connectionString, setting) = request.To is { } to
            ? (to, "--to")
            : (configuration.GetConnectionString("CopyTarget"), "ConnectionStrings:CopyTarget");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new TradingBotConfigurationException("copy-ledger needs the target's connection string: --to '<connection string>', or ConnectionStrings:CopyTarget (e.g. the environment variable ConnectionStrings__CopyTarget, which keeps a password out of the process list).");
        }

        var partitioning = ConfigurationChoice.Parse(request.ToPartitioning, "--to-partitioning", LedgerPartitioning.None);
        if (provider == LedgerProvider.Sqlite && partitioning != LedgerPartitioning.None)
        {
            throw new TradingBotConfigurationException($"--to-partitioning {partitioning} is for a Postgres target; the target's provider is Sqlite.");
        }

        return LedgerSettings.Other(provider, connectionString, contentRoot, setting) with { Partitioning = partitioning };
    }

    // A second ledger's services beside the host's: its provider, lease, migrations and the checks verify runs.
    private static ServiceProvider OtherLedger(LedgerSettings ledger, IServiceProvider hostServices)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        ledger.AddTo(services);
        services.AddSingleton(hostServices.GetRequiredService<OrderTiming>());
        services.AddTradingBotApplication();
        return services.BuildServiceProvider();
    }

    private static LedgerCopyEndpoint Endpoint(IServiceProvider services, LedgerSettings ledger) =>
        new(services.GetRequiredService<IDbContextFactory<LedgerDbContext>>(), services.GetRequiredService<ILedgerBulkWriter>(), ledger.Describe());

    private static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var migrator = services.GetRequiredService<LedgerMigrator>();
        var applied = await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (applied.Count > 0)
        {
            Console.WriteLine($"Target migrated: {string.Join(", ", applied)}.");
        }

        var partitions = await migrator.PreparePartitionsAsync(DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        if (partitions.Converted)
        {
            Console.WriteLine("Target's funding_snapshots and audit_log: partitioned by month.");
        }
    }

    // Rows copied into a partitioned target land in its default partition when their month has none: each month is made and they move into it.
    private static async Task SortIntoMonthsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var partitions = await services.GetRequiredService<LedgerMigrator>().PreparePartitionsAsync(DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        if (partitions.RowsMoved > 0)
        {
            Console.WriteLine($"Target's partitions: {partitions.Created.Count} month(s) made for the copied rows, {partitions.RowsMoved} row(s) moved into them from the default partition.");
        }
    }

    // Runs action holding the ledger's lease; without it (a worker runs), refuses or, given wait, waits for it.
    private static async Task<int> WithLeaseAsync(IServiceProvider services, LedgerSettings ledger, bool wait, Func<Task<int>> action, CancellationToken cancellationToken)
    {
        var lease = services.GetRequiredService<ILedgerLease>();
        var announced = false;
        while (!await lease.TryAcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!wait)
            {
                await Console.Error.WriteLineAsync($"A worker holds {ledger.Describe()}; stop it first, or give --wait to wait until it stops.").ConfigureAwait(false);
                return WorkerCommandLine.LedgerBusy;
            }

            if (!announced)
            {
                Console.WriteLine($"Waiting for the worker holding {ledger.Describe()} to stop...");
                announced = true;
            }

            await Task.Delay(LeaseRetry, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
        }
    }

    // One line per table, the differences, then the ledger's invariants on what was written; 0 only when all hold.
    private static int Report(string verb, LedgerCopyReport report, TimeSpan elapsed, TargetCheck check)
    {
        if (report.Resumed)
        {
            Console.WriteLine("Resumed an unfinished copy of this ledger into the target: nothing was written twice.");
        }

        foreach (var table in report.Tables)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{table.Source.Table,-18} source {table.Source.Rows,10} rows {table.Source.Checksum:x16}   target {table.Target.Rows,10} rows {table.Target.Checksum:x16}   {(table.Same ? "same" : "DIFFERS")}"));
        }

        foreach (var difference in report.Differences)
        {
            Console.WriteLine($"DIFFERENCE: {difference}");
        }

        foreach (var violation in report.TargetViolations)
        {
            Console.WriteLine($"VIOLATION (target): {violation}");
        }

        if (!report.Verified)
        {
            Console.WriteLine($"{verb}: FAILED, {report.Differences.Count} table(s) differ and the target has {report.TargetViolations.Count} invariant violation(s); the worker must not run on the target.");
            return WorkerCommandLine.VerificationFailed;
        }

        var checkedCounts = check.Result!;
        var tenths = ((elapsed.Ticks / TimeSpan.TicksPerMillisecond) + 50) / 100; // whole milliseconds, rounded to tenths of a second
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{verb}: OK in {tenths / 10}.{tenths % 10} s, every table holds the same rows on both sides and every invariant holds on the target ({checkedCounts.OrdersChecked} orders, {checkedCounts.FillsChecked} fills)."));
        return 0;
    }

    // verify's checks on the ledger a copy wrote, with the settings a worker judges it by; the copier runs them beside the
    // target's checksums.
    private sealed class TargetCheck(IServiceProvider hostServices, IServiceProvider written)
    {
        public VerificationReport? Result { get; private set; }

        public async Task<IReadOnlyList<string>> RunAsync(CancellationToken cancellationToken)
        {
            var configuration = hostServices.GetRequiredService<IConfiguration>();
            var pollInterval = hostServices.GetRequiredService<IOptions<WorkerOptions>>().Value.PollInterval;
            Result = await written.GetRequiredService<VerifyLedger>()
                .ExecuteAsync(ExchangeComposition.RequestValidity(configuration), pollInterval + pollInterval, cancellationToken).ConfigureAwait(false);
            return Result.Violations;
        }
    }

    // A progress bar per table with rows/s and time left on a terminal; a plain line per table every few seconds otherwise.
    private static async Task<LedgerCopyReport> CopyWithProgressAsync(LedgerCopyEndpoint from, LedgerCopyEndpoint to, LedgerCopyOptions options, CancellationToken cancellationToken)
    {
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await CopyWithProgressBarsAsync(from, to, options, cancellationToken).ConfigureAwait(false);
        }

        var lastLine = new Dictionary<string, long>();
        var began = new Dictionary<string, long>();
        var withLines = options with
        {
            Progress = (table, rows, total) =>
            {
                var now = Stopwatch.GetTimestamp();
                if (!began.TryGetValue(table, out var tableBegan))
                {
                    tableBegan = began[table] = now;
                }

                if (rows < total && lastLine.TryGetValue(table, out var last) && Stopwatch.GetElapsedTime(last, now) < TimeSpan.FromSeconds(5))
                {
                    return;
                }

                lastLine[table] = now;
                // Whole milliseconds, at least one: rows/s rounded, time left as the rate so far would take.
                var milliseconds = Math.Max(Stopwatch.GetElapsedTime(tableBegan, now).Ticks / TimeSpan.TicksPerMillisecond, 1);
                var rate = ((rows * 1000) + (milliseconds / 2)) / milliseconds;
                var left = rows > 0 ? TimeSpan.FromMilliseconds(Math.Max(total - rows, 0) * milliseconds / rows) : TimeSpan.Zero;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{table}: {rows}/{total} rows, {rate} rows/s, {left:hh\\:mm\\:ss} left"));
            },
        };
        return await LedgerCopier.CopyAsync(from, to, withLines, cancellationToken).ConfigureAwait(false);
    }

    // Spectre.Console's bars count rows in double, its API's only type: display values, never money (the float guard allows this method).
    private static async Task<LedgerCopyReport> CopyWithProgressBarsAsync(LedgerCopyEndpoint from, LedgerCopyEndpoint to, LedgerCopyOptions options, CancellationToken cancellationToken)
    {
        LedgerCopyReport? report = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var withBars = options with
                {
                    Progress = (table, rows, total) =>
                    {
                        if (!tasks.TryGetValue(table, out var task))
                        {
                            task = tasks[table] = context.AddTask(table, maxValue: Math.Max(total, 1));
                        }

                        task.Value = Math.Min(rows, task.MaxValue);
                        task.Description = string.Create(CultureInfo.InvariantCulture, $"{table} {task.Speed ?? 0:N0} rows/s");
                        if (rows >= total)
                        {
                            task.Value = task.MaxValue;
                            task.StopTask();
                        }
                    },
                };
                report = await LedgerCopier.CopyAsync(from, to, withBars, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return report!;
    }
}
