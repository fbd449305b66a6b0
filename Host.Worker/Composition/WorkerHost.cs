using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TradingBot.Host.Worker.Composition;

/// <summary>Builds the generic host: configuration (appsettings.json, environment, command line) and DI composition.</summary>
internal static class WorkerHost
{
    public static (HostApplicationBuilder Builder, LedgerSettings Ledger) CreateBuilder(string[] configurationArgs)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = configurationArgs,
            ContentRootPath = AppContext.BaseDirectory,
        });

        var ledger = LedgerSettings.From(builder.Configuration);
        ledger.AddTo(builder.Services);
        builder.Services.AddTradingBotApplication();
        return (builder, ledger);
    }
}
