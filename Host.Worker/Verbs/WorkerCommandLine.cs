using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingBot.Application.Ports;
using TradingBot.Host.Worker.Composition;
using TradingBot.Infrastructure.Persistence;

namespace TradingBot.Host.Worker.Verbs;

/// <summary>
/// The worker's verbs: run (the default), migrate, verify, report. Anything after the verb that is not one
/// of its options is handed to the host's configuration, so <c>--Ledger:Provider=Postgres</c> works like
/// <c>Ledger__Provider=Postgres</c>. Exit codes: 0 success, 1 verification failed, 2 configuration error,
/// 3 another worker holds the ledger, 4 the ledger database cannot be reached or failed.
/// </summary>
internal static class WorkerCommandLine
{
    public const int VerificationFailed = 1;
    public const int ConfigurationError = 2;
    public const int LedgerBusy = 3;
    public const int LedgerUnavailable = 4;

    public static async Task<int> InvokeAsync(string[] args)
    {
        // The host handles SIGTERM/Ctrl+C itself (finishing the step in progress); System.CommandLine must not kill the process first.
        return await Build().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }

    public static RootCommand Build()
    {
        var run = Verb("run", "Run the worker (the default): take the ledger lease, migrate unless Ledger:MigrateOnStart=false, recover, then trade until stopped.", RunAsync);
        var migrate = Verb("migrate", "Apply the configured ledger provider's migrations and exit.", MigrateAsync);
        var verify = Verb("verify", "Check the ledger's invariants; exit 1 listing each violation.", VerifyAsync);
        var report = Verb("report", "Print positions, realized PnL per day (trading, fees, funding) and the last 24 hours of funding rates per symbol.", ReportVerb.RunAsync);

        var root = new RootCommand("TradingBot worker: a funding-rate bot on an exact, transactional ledger (SQLite or Postgres).")
        {
            run,
            migrate,
            verify,
            report,
        };
        root.TreatUnmatchedTokensAsErrors = false;
        root.SetAction((parse, ct) => Guard(() => RunAsync(parse.UnmatchedTokens.ToArray(), ct)));
        return root;
    }

    private static Command Verb(string name, string description, Func<string[], CancellationToken, Task<int>> action)
    {
        var command = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
        command.SetAction((parse, ct) => Guard(() => action(parse.UnmatchedTokens.ToArray(), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string[] configurationArgs, CancellationToken cancellationToken)
    {
        var (builder, _) = WorkerHost.CreateBuilder(configurationArgs, withExchange: true);
        builder.Services.AddHostedService<TradingWorker>();
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        await host.RunAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
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
            var applied = await host.Services.GetRequiredService<LedgerMigrator>().MigrateAsync(cancellationToken).ConfigureAwait(false);
            if (applied.Count == 0)
            {
                log.SchemaUpToDate();
            }
            else
            {
                var names = string.Join(", ", applied);
                log.MigrationsApplied(applied.Count, names);
            }
        }
        finally
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<int> VerifyAsync(string[] configurationArgs, CancellationToken cancellationToken)
    {
        var (builder, ledger) = WorkerHost.CreateBuilder(configurationArgs, withExchange: false);
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        var pollInterval = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.PollInterval;
        var grace = pollInterval + pollInterval;
        var report = await host.Services.GetRequiredService<TradingBot.Application.Verification.VerifyLedger>().ExecuteAsync(grace, cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"Ledger: {ledger.Describe()}");
        Console.WriteLine($"Checked {report.OrdersChecked} orders, {report.FillsChecked} fills, {report.PositionsChecked} positions.");
        if (report.Passed)
        {
            Console.WriteLine("verify: OK, every invariant holds.");
            return 0;
        }

        foreach (var violation in report.Violations)
        {
            Console.WriteLine($"VIOLATION: {violation}");
        }

        Console.WriteLine($"verify: {report.Violations.Count} violation(s).");
        return VerificationFailed;
    }

    private static async Task<int> Guard(Func<Task<int>> verb)
    {
        try
        {
            return await verb().ConfigureAwait(false);
        }
        catch (HostConfigurationException exception)
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
    }
}
