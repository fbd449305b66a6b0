using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TradingBot.Hosting;

namespace TradingBot.Host.Worker.Composition;

/// <summary>
/// Builds the generic host: configuration (appsettings.json, environment, command line) and DI composition. The
/// content root, which holds appsettings.json and against which relative paths (the SQLite ledger, the paper exchange's
/// state) are taken, is the folder of the worker's binaries, or <c>DOTNET_CONTENTROOT</c> when set.
/// </summary>
internal static class WorkerHost
{
    /// <summary>How long a stop request waits for the cycle in progress and the lease's release (a service manager must wait longer).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The host for a verb. <paramref name="fromReplica"/> (report, verify) reads <c>ConnectionStrings:LedgerReadOnly</c>
    /// when it is set; every other verb, and the worker, use the primary only.
    /// </summary>
    public static (HostApplicationBuilder Builder, LedgerSettings Ledger) CreateBuilder(string[] configurationArgs, bool withExchange, bool readOnly = false, bool fromReplica = false)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = configurationArgs,
            ContentRootPath = string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT")) ? AppContext.BaseDirectory : null,
        });

        var problems = HostSettings.Problems(builder.Configuration);
        if (problems.Count > 0)
        {
            throw new TradingBotConfigurationException(string.Join(Environment.NewLine + "Configuration error: ", problems));
        }

        var contentRoot = builder.Environment.ContentRootPath;
        builder.Services.AddTradingBotLedger(builder.Configuration, fromReplica ? LedgerAccess.ReadReplica : readOnly ? LedgerAccess.ReadOnly : LedgerAccess.ReadWrite, contentRoot);
        var ledger = builder.Services.Registered<LedgerSettings>();
        builder.Services.AddTradingBotApplication(builder.Configuration);
        builder.Services.AddSingleton(new WorkerExit());

        builder.Services.AddOptions<WorkerOptions>().Bind(builder.Configuration.GetSection("Worker")).ValidateOnStart();
        builder.Services.AddOptions<StrategyOptions>().Bind(builder.Configuration.GetSection("Strategy")).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StrategyOptions>, StrategyOptionsValidator>());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        if (withExchange)
        {
            builder.Services.AddTradingBotExchange(builder.Configuration, contentRoot);
        }

        return (builder, ledger);
    }

    /// <summary>
    /// For a read-only verb: the ledger must exist and be migrated to this build's schema, else <see cref="NoLedgerException"/>
    /// says which (nothing is created or migrated).
    /// </summary>
    public static async Task RequireLedgerAsync(IServiceProvider services, LedgerSettings ledger, CancellationToken cancellationToken)
    {
        var (pending, known) = await services.GetRequiredService<TradingBot.Infrastructure.Persistence.LedgerMigrator>().PendingAsync(cancellationToken).ConfigureAwait(false);
        if (pending.Count == known)
        {
            throw new NoLedgerException($"no ledger in {ledger.Describe()}: the database has no ledger schema. Nothing was created: start the worker, or run migrate, to create it.");
        }

        if (pending.Count > 0)
        {
            throw new NoLedgerException($"the ledger in {ledger.Describe()} is {pending.Count} migration(s) behind this worker ({string.Join(", ", pending)}); run migrate first.");
        }
    }

    /// <summary>Resolves every validated option now, so a wrong value stops the verb before it writes anything.</summary>
    public static void ValidateOptions(IServiceProvider services)
    {
        _ = services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        _ = services.GetRequiredService<IOptions<StrategyOptions>>().Value;
    }
}

/// <summary>The exit code the worker asks for when it stops the host itself (e.g. a setting the exchange refuses).</summary>
internal sealed class WorkerExit
{
    public int Code { get; set; }
}

/// <summary>What run was asked: <see cref="Force"/> runs on a ledger copy-ledger copied elsewhere.</summary>
internal sealed record RunRequest(bool Force);
