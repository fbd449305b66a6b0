using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TradingBot.Host.Worker.Composition;

/// <summary>Builds the generic host: configuration (appsettings.json, environment, command line) and DI composition.</summary>
internal static class WorkerHost
{
    public static (HostApplicationBuilder Builder, LedgerSettings Ledger) CreateBuilder(string[] configurationArgs, bool withExchange)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = configurationArgs,
            ContentRootPath = AppContext.BaseDirectory,
        });

        var ledger = LedgerSettings.From(builder.Configuration);
        ledger.AddTo(builder.Services);
        builder.Services.AddSingleton(ledger);
        builder.Services.AddSingleton(ExchangeComposition.Timing(builder.Configuration));
        builder.Services.AddSingleton(new WorkerExit());
        builder.Services.AddTradingBotApplication();

        builder.Services.AddOptions<WorkerOptions>().Bind(builder.Configuration.GetSection("Worker")).ValidateOnStart();
        builder.Services.AddOptions<StrategyOptions>().Bind(builder.Configuration.GetSection("Strategy")).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StrategyOptions>, StrategyOptionsValidator>());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
        if (withExchange)
        {
            ExchangeComposition.AddConfiguredExchange(builder.Services, builder.Configuration, ledger);
        }

        return (builder, ledger);
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
