using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingBot.Application.Ports;
using TradingBot.Host.Worker.Composition;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Copy;

using TradingBot.Hosting;

namespace TradingBot.Host.Worker.Verbs;

/// <summary>
/// The worker's verbs: run (the default), migrate, verify, report, adopt-position, copy-ledger, backup, restore, prune. A configuration override is an
/// argument of the form <c>--Section:Key=value</c> (so <c>--Ledger:Provider=Postgres</c> works like
/// <c>Ledger__Provider=Postgres</c>); every other argument is parsed strictly, so a mistyped verb or a stray argument
/// is an error that names it and lists the verbs, before anything is opened, and only <c>run</c> (or no verb) starts the
/// worker. Exit codes: 0 success, 1 verification failed (or a symbol halted or differing from the exchange), 2
/// configuration or usage error, 3 another worker holds the ledger, 4 the ledger database cannot be reached or failed,
/// 5 the exchange cannot be reached, 6 there is no ledger where the settings point, 7 a copy stands in the way (run on a
/// ledger that was copied to another, or on the unfinished target of a copy; copy-ledger refused).
/// </summary>
internal static class WorkerCommandLine
{
    public const int VerificationFailed = 1;
    public const int ConfigurationError = 2;
    public const int LedgerBusy = 3;
    public const int LedgerUnavailable = 4;
    public const int ExchangeUnavailable = 5;
    public const int NoLedger = 6;
    public const int CopyInTheWay = 7;

    public static async Task<int> InvokeAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var overrides = args.Where(IsConfigurationOverride).ToArray();
        var parse = Build(overrides).Parse([.. args.Where(a => !IsConfigurationOverride(a))]);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"Usage error: {error.Message}").ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync("The verbs are run (the default), migrate, verify, report, adopt-position, copy-ledger, backup, restore and prune; settings are given as --Section:Key=value. See --help.").ConfigureAwait(false);
            return ConfigurationError;
        }

        // The host handles SIGTERM/Ctrl+C itself (finishing the step in progress); System.CommandLine must not kill the process first.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }

    /// <summary>True for "--Section:Key=value" (any depth of keys): a setting for the host's configuration, not for the verbs.</summary>
    public static bool IsConfigurationOverride(string argument) =>
        argument.StartsWith("--", StringComparison.Ordinal)
        && argument.IndexOf('=', StringComparison.Ordinal) is var equals and > 2
        && argument[2..equals] is var key
        && key.Contains(':', StringComparison.Ordinal)
        && key.Split(':').All(part => part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.'));

    public static RootCommand Build(string[] overrides)
    {
        const string forceHelp = "Run on a ledger that copy-ledger copied to another (normally refused: the copy is the ledger now, and two ledgers must never trade one account).";
        var runForce = new Option<bool>("--force") { Description = forceHelp };
        var run = new Command("run", "Run the worker (the default): take the ledger lease, migrate unless Ledger:MigrateOnStart=false, refuse a ledger that was copied elsewhere, recover, then trade until stopped.");
        run.Options.Add(runForce);
        run.SetAction((parse, ct) => Guard(() => RunAsync(overrides, parse.GetValue(runForce), ct)));
        var migrate = Verb(overrides, "migrate", "Apply the configured ledger provider's migrations and exit.", MigrateAsync);
        var againstExchange = new Option<bool>("--against-exchange")
        {
            Description = "Also compare every traded symbol's position with the exchange's, and list halted symbols; exit 1 while any differs or is halted.",
        };
        var verify = new Command("verify", "Check the ledger's invariants; exit 1 listing each violation.");
        verify.Options.Add(againstExchange);
        verify.SetAction((parse, ct) => Guard(() => VerifyAsync(overrides, parse.GetValue(againstExchange), ct)));

        var report = Verb(overrides, "report", "Print positions, halted symbols, foreign open orders, realized PnL per day (trading, fees, funding) and the last 24 hours of funding rates per symbol.", ReportVerb.RunAsync);

        var symbol = new Argument<string>("symbol") { Description = "The symbol whose exchange position the ledger takes over, e.g. BTCUSDT." };
        var adopt = new Command(
            "adopt-position",
            "Record the exchange's position on a symbol that the ledger has no trades for (opened before its backfill window, or on another ledger) as an external opening order, audited; this releases the symbol's POSITION_DIFFERS halt. Stop the worker first.");
        adopt.Arguments.Add(symbol);
        adopt.SetAction((parse, ct) => Guard(() => AdoptPositionVerb.RunAsync(parse.GetValue(symbol)!, overrides, ct)));

        var root = new RootCommand(
            "TradingBot worker: a funding-rate bot on an exact, transactional ledger (SQLite or Postgres). Settings come from appsettings.json in the "
            + "content root (the folder of the worker's binaries, or DOTNET_CONTENTROOT), environment variables (Section__Key) and --Section:Key=value "
            + "arguments; a relative SQLite path in ConnectionStrings:Ledger is taken against the content root, never the current directory.")
        {
            run,
            migrate,
            verify,
            report,
            adopt,
            CopyLedger(overrides),
            Backup(overrides),
            Restore(overrides),
            Prune(overrides),
        };
        var rootForce = new Option<bool>("--force") { Description = forceHelp };
        root.Options.Add(rootForce);
        root.SetAction((parse, ct) => Guard(() => RunAsync(overrides, parse.GetValue(rootForce), ct)));
        return root;
    }

    private static Command Verb(string[] overrides, string name, string description, Func<string[], CancellationToken, Task<int>> action)
    {
        var command = new Command(name, description);
        command.SetAction((parse, ct) => Guard(() => action(overrides, ct)));
        return command;
    }

    private static Command CopyLedger(string[] overrides)
    {
        var toProvider = new Option<string>("--to-provider") { Description = "The target's provider: Sqlite or Postgres.", Required = true };
        var to = new Option<string>("--to") { Description = "The target's connection string; without it, ConnectionStrings:CopyTarget (e.g. the environment variable ConnectionStrings__CopyTarget, which keeps a password out of the process list)." };
        var wait = new Option<bool>("--wait") { Description = "Wait for a worker running on either ledger to stop, instead of refusing." };
        var verifyOnly = new Option<bool>("--verify-only") { Description = "Compare an existing copy with the source, table by table, and check the target's invariants; write nothing." };
        var force = new Option<bool>("--force") { Description = "Copy a ledger that was already copied to another (normally refused)." };
        var toPartitioning = new Option<string>("--to-partitioning") { Description = "A new Postgres target's funding_snapshots and audit_log: None (plain tables, the default) or Monthly (partitioned by month; see README, Ledger:Partitioning)." };
        var command = new Command(
            "copy-ledger",
            "Copy the configured ledger into another, empty one (SQLite or Postgres, either direction): every table exactly, in one snapshot, resumable after a kill, "
            + "verified by row counts and checksums on both sides and the ledger's invariants on the target; the source is then fenced, and run refuses it.")
        {
            toProvider, to, wait, verifyOnly, force, toPartitioning,
        };
        command.SetAction((parse, ct) => Guard(() => LedgerTransferVerbs.CopyLedgerAsync(
            new CopyLedgerRequest(parse.GetValue(toProvider)!, parse.GetValue(to), parse.GetValue(wait), parse.GetValue(verifyOnly), parse.GetValue(force)) { ToPartitioning = parse.GetValue(toPartitioning) }, overrides, ct)));
        return command;
    }

    private static Command Backup(string[] overrides)
    {
        var file = new Argument<string>("file") { Description = "The new backup file (never overwritten), e.g. backups/ledger-2026-12-04.db." };
        var pgDump = new Option<bool>("--pg-dump")
        {
            Description = "Postgres only: write pg_dump's custom format (pg_dump must be installed) from a snapshot the ledger exports, with that snapshot's checksums in FILE.checksums.json.",
        };
        var command = new Command(
            "backup",
            "Write the configured ledger into a new SQLite ledger file from one snapshot, while a worker may go on trading; verified against that snapshot "
            + "(row counts and checksums per table) and by the ledger's invariants, and named FILE only once verified.")
        {
            file, pgDump,
        };
        command.SetAction((parse, ct) => Guard(() => parse.GetValue(pgDump)
            ? LedgerTransferVerbs.PgDumpAsync(parse.GetValue(file)!, overrides, ct)
            : LedgerTransferVerbs.BackupAsync(parse.GetValue(file)!, overrides, ct)));
        return command;
    }

    private static Command Restore(string[] overrides)
    {
        var file = new Argument<string>("file") { Description = "A backup written by the backup verb (or any SQLite ledger file; it is only read), or a pg_dump file written by backup --pg-dump (into Postgres only)." };
        var wait = new Option<bool>("--wait") { Description = "Wait for a worker running on the configured ledger to stop, instead of refusing." };
        var command = new Command(
            "restore",
            "Load a SQLite backup into the configured ledger (SQLite or Postgres), which must be empty; verified like copy-ledger. A restore that was stopped finishes when run again. "
            + "A pg_dump backup goes into an empty Postgres database through pg_restore, in one transaction, verified against the checksums written beside it.")
        {
            file, wait,
        };
        command.SetAction((parse, ct) => Guard(() => LedgerTransferVerbs.RestoreAsync(parse.GetValue(file)!, parse.GetValue(wait), overrides, ct)));
        return command;
    }

    private static Command Prune(string[] overrides)
    {
        var before = new Option<string>("--before") { Description = "Rows older than this go: a UTC date (2026-06-01) or a time with its offset (2026-06-01T12:00:00Z).", Required = true };
        var archive = new Option<string>("--archive") { Description = "The new archive file (gzip-compressed JSON lines, never overwritten) the rows are written to and checked in before any is deleted." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would go; write and delete nothing." };
        var command = new Command(
            "prune",
            "Remove funding snapshots, state snapshots and audit events older than --before (each table keeps at least Retention:FundingSnapshots, "
            + "Retention:StateSnapshots, Retention:AuditLog; defaults 1, 1 and 30 days), after archiving them and checking the archive. Orders, fills, positions, "
            + "funding payments and halts are never pruned, nor an audit event that explains an open halt or a live order. A worker may keep trading.")
        {
            before, archive, dryRun,
        };
        command.SetAction((parse, ct) => Guard(() => PruneVerb.RunAsync(new PruneRequest(parse.GetValue(before)!, parse.GetValue(archive), parse.GetValue(dryRun)), overrides, ct)));
        return command;
    }

    private static async Task<int> RunAsync(string[] configurationArgs, bool force, CancellationToken cancellationToken)
    {
        var (builder, _) = WorkerHost.CreateBuilder(configurationArgs, withExchange: true);
        builder.Services.AddSingleton(new RunRequest(force));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSystemd(); // under systemd (Type=notify): readiness and stopping are told to it; elsewhere nothing
        OperationsComposition.AddOperations(builder.Services, builder.Configuration);
        builder.Services.AddHostedService<TradingWorker>();
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        var exit = host.Services.GetRequiredService<WorkerExit>(); // RunAsync disposes the host's services
        await host.RunAsync(CancellationToken.None).ConfigureAwait(false);
        return exit.Code;
    }

    private static async Task<int> MigrateAsync(string[] configurationArgs, CancellationToken cancellationToken)
    {
        var (builder, ledger) = WorkerHost.CreateBuilder(configurationArgs, withExchange: false);
        using var host = builder.Build();
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TradingBot.Migrate");
        var description = ledger.Describe();
        log.LedgerIs(description);
        var lease = host.Services.GetRequiredService<ILedgerLease>();
        if (!await lease.TryAcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            await Console.Error.WriteLineAsync("Another worker holds this ledger; stop it before migrating (a running worker migrates at start).").ConfigureAwait(false);
            return LedgerBusy;
        }

        try
        {
            var migrator = host.Services.GetRequiredService<LedgerMigrator>();
            var applied = await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
            if (applied.Count == 0)
            {
                log.SchemaUpToDate();
            }
            else
            {
                var names = string.Join(", ", applied);
                log.MigrationsApplied(applied.Count, names);
            }

            log.Partitions(await migrator.PreparePartitionsAsync(DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false));
            var filledIn = await migrator.FillInRealizedPnlAsync(cancellationToken).ConfigureAwait(false);
            if (filledIn.Positions > 0)
            {
                log.RealizedPnlFilledIn(filledIn.Fills, filledIn.Positions);
            }
        }
        finally
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<int> VerifyAsync(string[] configurationArgs, bool againstExchange, CancellationToken cancellationToken)
    {
        var (builder, ledger) = WorkerHost.CreateBuilder(configurationArgs, withExchange: againstExchange, readOnly: true, fromReplica: true);
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        await WorkerHost.RequireLedgerAsync(host.Services, ledger, cancellationToken).ConfigureAwait(false);
        var pollInterval = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.PollInterval;
        var grace = pollInterval + pollInterval;
        var requestValidity = ExchangeComposition.RequestValidity(host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>());
        var report = await host.Services.GetRequiredService<TradingBot.Application.Verification.VerifyLedger>().ExecuteAsync(requestValidity, grace, cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"Ledger: {ledger.DescribeForReading()}");
        Console.WriteLine($"Checked {report.OrdersChecked} orders, {report.FillsChecked} fills, {report.PositionsChecked} positions.");
        var failed = !report.Passed;
        foreach (var violation in report.Violations)
        {
            Console.WriteLine($"VIOLATION: {violation}");
        }

        if (againstExchange)
        {
            failed |= !await ExchangeCheck.WriteAsync(host.Services, cancellationToken).ConfigureAwait(false);
        }

        Console.WriteLine(failed
            ? $"verify: {report.Violations.Count} violation(s){(againstExchange ? "; see the exchange check above" : string.Empty)}."
            : againstExchange ? "verify: OK, every invariant holds and the ledger agrees with the exchange." : "verify: OK, every invariant holds.");
        return failed ? VerificationFailed : 0;
    }

    private static async Task<int> Guard(Func<Task<int>> verb)
    {
        try
        {
            return await verb().ConfigureAwait(false);
        }
        catch (TradingBotConfigurationException exception)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {exception.Message}").ConfigureAwait(false);
            return ConfigurationError;
        }
        catch (TradingBot.Infrastructure.Persistence.Partitions.LedgerPartitioningException exception)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {exception.Message}").ConfigureAwait(false);
            return ConfigurationError;
        }
        catch (OptionsValidationException exception)
        {
            foreach (var failure in exception.Failures)
            {
                await Console.Error.WriteLineAsync($"Configuration error: {failure}").ConfigureAwait(false);
            }

            return ConfigurationError;
        }
        catch (InvalidOperationException exception) when (exception.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            await Console.Error.WriteLineAsync($"Configuration error: {exception.Message}").ConfigureAwait(false);
            return ConfigurationError;
        }
        catch (Exception exception) when (exception.GetBaseException() is System.Data.Common.DbException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync($"Ledger error: {exception.GetBaseException().Message}").ConfigureAwait(false);
            return LedgerUnavailable;
        }
        catch (LedgerCopyRefusedException exception)
        {
            await Console.Error.WriteLineAsync($"Refused: {exception.Message}").ConfigureAwait(false);
            return CopyInTheWay;
        }
        catch (Exception exception) when (PgDumpFile.IsToolFailure(exception))
        {
            await Console.Error.WriteLineAsync($"Ledger error: {exception.Message}").ConfigureAwait(false);
            return LedgerUnavailable;
        }
        catch (TradingBot.Infrastructure.Persistence.Retention.LedgerPruneRefusedException exception)
        {
            await Console.Error.WriteLineAsync($"Refused: {exception.Message}").ConfigureAwait(false);
            return VerificationFailed;
        }
        catch (NoLedgerException exception)
        {
            await Console.Error.WriteLineAsync($"Ledger error: {exception.Message}").ConfigureAwait(false);
            return NoLedger;
        }
        catch (TradingBot.Application.Ports.SymbolNotListedException exception)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {exception.Message}").ConfigureAwait(false);
            return ConfigurationError;
        }
        catch (TradingBot.Application.Ports.ExchangeException exception)
        {
            await Console.Error.WriteLineAsync($"Exchange error: {exception.Message}").ConfigureAwait(false);
            return ExchangeUnavailable;
        }
    }
}
