using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TradingBot.Host.Worker.Composition;
using TradingBot.Infrastructure.Persistence;

namespace TradingBot.Host.Worker.Verbs;

/// <summary>
/// The worker's verbs. Anything after the verb that is not one of its options is handed to the host's
/// configuration, so <c>--Ledger:Provider=Postgres</c> works like <c>Ledger__Provider=Postgres</c>.
/// </summary>
internal static class WorkerCommandLine
{
    public const int ConfigurationError = 2;

    public static RootCommand Build()
    {
        var run = new Command("run", "Run the worker (the default): migrate the ledger unless Ledger:MigrateOnStart=false, then trade.");
        run.TreatUnmatchedTokensAsErrors = false;
        run.SetAction((parse, ct) => Guard(() => RunAsync(parse.UnmatchedTokens.ToArray(), ct)));

        var migrate = new Command("migrate", "Apply the configured ledger provider's migrations and exit.");
        migrate.TreatUnmatchedTokensAsErrors = false;
        migrate.SetAction((parse, ct) => Guard(() => MigrateAsync(parse.UnmatchedTokens.ToArray(), ct)));

        var root = new RootCommand("TradingBot worker: a trading bot on an exact, transactional ledger (SQLite or Postgres).")
        {
            run,
            migrate,
        };
        root.TreatUnmatchedTokensAsErrors = false;
        root.SetAction((parse, ct) => Guard(() => RunAsync(parse.UnmatchedTokens.ToArray(), ct)));
        return root;
    }

    private static async Task<int> RunAsync(string[] configurationArgs, CancellationToken cancellationToken)
    {
        var (builder, ledger) = WorkerHost.CreateBuilder(configurationArgs);
        using var host = builder.Build();
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TradingBot.Worker");
        var description = ledger.Describe();
        log.LedgerIs(description);
        if (ledger.MigrateOnStart)
        {
            await MigrateAsync(host.Services, log, cancellationToken).ConfigureAwait(false);
        }

        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> MigrateAsync(string[] configurationArgs, CancellationToken cancellationToken)
    {
        var (builder, ledger) = WorkerHost.CreateBuilder(configurationArgs);
        using var host = builder.Build();
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TradingBot.Migrate");
        var description = ledger.Describe();
        log.LedgerIs(description);
        await MigrateAsync(host.Services, log, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    private static async Task MigrateAsync(IServiceProvider services, ILogger log, CancellationToken cancellationToken)
    {
        var applied = await services.GetRequiredService<LedgerMigrator>().MigrateAsync(cancellationToken).ConfigureAwait(false);
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
    }
}
