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

namespace TradingBot.Host.Worker.Verbs;

/// <summary>What copy-ledger was asked to do.</summary>
/// <param name="ToProvider">The target's provider (--to-provider).</param>
/// <param name="To">The target's connection string (--to), or null to read ConnectionStrings:CopyTarget.</param>
/// <param name="Wait">Wait for a worker holding either ledger to stop, instead of refusing.</param>
/// <param name="VerifyOnly">Compare an existing copy only; write nothing.</param>
/// <param name="Force">Copy a ledger that was already copied.</param>
internal sealed record CopyLedgerRequest(string ToProvider, string? To, bool Wait, bool VerifyOnly, bool Force);

/// <summary>
/// copy-ledger: copies the configured ledger into another (SQLite or Postgres, either direction), verified, resumable and
/// fenced (<see cref="LedgerCopier"/>), holding both ledgers' leases; then checks the ledger's invariants on the target.
/// The target's connection string comes from --to, or ConnectionStrings:CopyTarget (appsettings.json, or the environment
/// variable ConnectionStrings__CopyTarget, which keeps a password out of the process list).
/// </summary>
internal static class CopyLedgerVerb
{
    private static readonly TimeSpan LeaseRetry = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(CopyLedgerRequest request, string[] configurationArgs, CancellationToken cancellationToken)
    {
        var (builder, source) = WorkerHost.CreateBuilder(configurationArgs, withExchange: false);
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var contentRoot = host.Services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        var target = Target(request, configuration, contentRoot);
        if (target.Identity == source.Identity)
        {
            throw new HostConfigurationException($"the copy's target is the configured ledger itself ({source.Describe()}); name another database.");
        }

        if (source.SqliteFile is { } file && !File.Exists(file))
        {
            throw new NoLedgerException($"no ledger at {file} (ConnectionStrings:Ledger) to copy from. Nothing was created.");
        }

        await WorkerHost.RequireLedgerAsync(host.Services, source, cancellationToken).ConfigureAwait(false);

        var targetServices = new ServiceCollection();
        targetServices.AddLogging();
        target.AddTo(targetServices);
        targetServices.AddSingleton(host.Services.GetRequiredService<OrderTiming>());
        targetServices.AddTradingBotApplication();
        await using var targetProvider = targetServices.BuildServiceProvider();

        Console.WriteLine($"Source: {source.Describe()}");
        Console.WriteLine($"Target: {target.Describe()}");
        var sourceLease = host.Services.GetRequiredService<ILedgerLease>();
        var targetLease = targetProvider.GetRequiredService<ILedgerLease>();
        if (!await AcquireAsync(sourceLease, source, request.Wait, cancellationToken).ConfigureAwait(false))
        {
            return WorkerCommandLine.LedgerBusy;
        }

        try
        {
            if (!await AcquireAsync(targetLease, target, request.Wait, cancellationToken).ConfigureAwait(false))
            {
                return WorkerCommandLine.LedgerBusy;
            }

            try
            {
                return await CopyAndVerifyAsync(request, host.Services, source, targetProvider, target, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await targetLease.ReleaseAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await sourceLease.ReleaseAsync().ConfigureAwait(false);
        }
    }

    private static LedgerSettings Target(CopyLedgerRequest request, IConfiguration configuration, string contentRoot)
    {
        var provider = ConfigurationChoice.Parse(request.ToProvider, "--to-provider", LedgerProvider.Sqlite);
        var (connectionString, setting) = request.To is { } to
            ? (to, "--to")
            : (configuration.GetConnectionString("CopyTarget"), "ConnectionStrings:CopyTarget");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new HostConfigurationException("copy-ledger needs the target's connection string: --to '<connection string>', or ConnectionStrings:CopyTarget (e.g. the environment variable ConnectionStrings__CopyTarget, which keeps a password out of the process list).");
        }

        return LedgerSettings.ForCopyTarget(provider, connectionString, contentRoot, setting);
    }

    private static async Task<bool> AcquireAsync(ILedgerLease lease, LedgerSettings ledger, bool wait, CancellationToken cancellationToken)
    {
        var announced = false;
        while (!await lease.TryAcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!wait)
            {
                await Console.Error.WriteLineAsync($"A worker holds {ledger.Describe()}; stop it first, or give --wait to wait until it stops.").ConfigureAwait(false);
                return false;
            }

            if (!announced)
            {
                Console.WriteLine($"Waiting for the worker holding {ledger.Describe()} to stop...");
                announced = true;
            }

            await Task.Delay(LeaseRetry, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private static async Task<int> CopyAndVerifyAsync(
        CopyLedgerRequest request, IServiceProvider sourceServices, LedgerSettings source, IServiceProvider targetServices, LedgerSettings target, CancellationToken cancellationToken)
    {
        var from = new LedgerCopyEndpoint(sourceServices.GetRequiredService<IDbContextFactory<LedgerDbContext>>(), sourceServices.GetRequiredService<ILedgerBulkWriter>(), source.Describe());
        var to = new LedgerCopyEndpoint(targetServices.GetRequiredService<IDbContextFactory<LedgerDbContext>>(), targetServices.GetRequiredService<ILedgerBulkWriter>(), target.Describe());
        LedgerCopyReport report;
        var started = Stopwatch.GetTimestamp();
        if (request.VerifyOnly)
        {
            await WorkerHost.RequireLedgerAsync(targetServices, target, cancellationToken).ConfigureAwait(false);
            report = await LedgerCopier.VerifyAsync(from, to, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await LedgerCopier.CheckSourceAsync(from.Contexts, request.Force, cancellationToken).ConfigureAwait(false);
            var applied = await targetServices.GetRequiredService<LedgerMigrator>().MigrateAsync(cancellationToken).ConfigureAwait(false);
            if (applied.Count > 0)
            {
                Console.WriteLine($"Target migrated: {string.Join(", ", applied)}.");
            }

            report = await CopyWithProgressAsync(from, to, request.Force, cancellationToken).ConfigureAwait(false);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
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

        var configuration = sourceServices.GetRequiredService<IConfiguration>();
        var pollInterval = sourceServices.GetRequiredService<IOptions<WorkerOptions>>().Value.PollInterval;
        var verification = await targetServices.GetRequiredService<VerifyLedger>()
            .ExecuteAsync(ExchangeComposition.RequestValidity(configuration), pollInterval + pollInterval, cancellationToken).ConfigureAwait(false);
        foreach (var violation in verification.Violations)
        {
            Console.WriteLine($"VIOLATION (target): {violation}");
        }

        var verb = request.VerifyOnly ? "copy-ledger --verify-only" : "copy-ledger";
        if (!report.Verified || !verification.Passed)
        {
            Console.WriteLine($"{verb}: FAILED, {report.Differences.Count} table(s) differ and the target has {verification.Violations.Count} invariant violation(s); the worker must not run on the target.");
            return WorkerCommandLine.VerificationFailed;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{verb}: OK in {elapsed.TotalSeconds:F1} s, every table holds the same rows on both sides and every invariant holds on the target ({verification.OrdersChecked} orders, {verification.FillsChecked} fills)."));
        if (!request.VerifyOnly)
        {
            Console.WriteLine($"The source is now fenced: a worker started on {source.Describe()} refuses to run (unless given --force). Switch Ledger:Provider and ConnectionStrings:Ledger to the target and start the worker.");
        }

        return 0;
    }

    // A progress bar per table with rows/s and time left on a terminal; a plain line per table every few seconds otherwise.
    private static async Task<LedgerCopyReport> CopyWithProgressAsync(LedgerCopyEndpoint from, LedgerCopyEndpoint to, bool force, CancellationToken cancellationToken)
    {
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            LedgerCopyReport? report = null;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    var options = new LedgerCopyOptions
                    {
                        Force = force,
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
                    report = await LedgerCopier.CopyAsync(from, to, options, cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
            return report!;
        }

        var lastLine = new Dictionary<string, (long Ticks, long Rows)>();
        var began = new Dictionary<string, long>();
        var plain = new LedgerCopyOptions
        {
            Force = force,
            Progress = (table, rows, total) =>
            {
                var now = Stopwatch.GetTimestamp();
                if (!began.TryGetValue(table, out var tableBegan))
                {
                    tableBegan = began[table] = now;
                }

                if (rows < total && lastLine.TryGetValue(table, out var last) && Stopwatch.GetElapsedTime(last.Ticks, now) < TimeSpan.FromSeconds(5))
                {
                    return;
                }

                lastLine[table] = (now, rows);
                var seconds = Math.Max(Stopwatch.GetElapsedTime(tableBegan, now).TotalSeconds, 0.001);
                var rate = rows / seconds;
                var left = rate > 0 ? TimeSpan.FromSeconds((total - rows) / rate) : TimeSpan.Zero;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"copy-ledger: {table} {rows}/{total} rows, {rate:F0} rows/s, {left:hh\\:mm\\:ss} left"));
            },
        };
        return await LedgerCopier.CopyAsync(from, to, plain, cancellationToken).ConfigureAwait(false);
    }
}
