using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TradingBot.Application.Telemetry;
using TradingBot.Host.Worker.Operations;
using TradingBot.Hosting;

namespace TradingBot.Host.Worker.Composition;

/// <summary>
/// What lets an operator watch the running worker, each off unless configured: the health endpoint
/// (<c>Worker:HealthUrl</c>), the alert webhook (<c>Alerts:*</c>) and the OTLP exporter (<c>Telemetry:*</c>). Webhook
/// URLs and exporter headers are secrets (a Telegram URL holds the bot's token): no message here shows them.
/// </summary>
internal static class OperationsComposition
{
    public static readonly TimeSpan DefaultHealthTimeout = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan DefaultPausedAfter = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultAlertInterval = TimeSpan.FromHours(1);

    /// <summary>Registers the worker's state and whatever is configured; a wrong value throws <see cref="TradingBotConfigurationException"/>.</summary>
    public static void AddOperations(IServiceCollection services, IConfiguration configuration)
    {
        var healthUrl = HttpUrl(configuration["Worker:HealthUrl"], "Worker:HealthUrl", secret: false);
        var healthTimeout = configuration.GetValue("Worker:HealthTimeout", DefaultHealthTimeout);
        var slowestTurn = new[] { configuration.GetValue("Worker:PollInterval", TimeSpan.FromSeconds(2)), configuration.GetValue("Worker:MaxBackoff", TimeSpan.FromSeconds(30)) }.Max();
        if (healthUrl is not null && healthTimeout < TimeSpan.FromTicks(slowestTurn.Ticks * 3))
        {
            throw new TradingBotConfigurationException($"Worker:HealthTimeout is {healthTimeout:c}; it must be at least three times the longest wait between two turns of the loop (Worker:PollInterval, Worker:MaxBackoff: {slowestTurn:c}), or liveness would fail between healthy turns.");
        }
        var alerts = Alerts(configuration);
        var otlp = HttpUrl(configuration["Telemetry:OtlpEndpoint"], "Telemetry:OtlpEndpoint", secret: false);
        var otlpHeaders = configuration["Telemetry:OtlpHeaders"];
        if (otlp is null && !string.IsNullOrWhiteSpace(otlpHeaders))
        {
            throw new TradingBotConfigurationException("Telemetry:OtlpHeaders is set but Telemetry:OtlpEndpoint is not; set the endpoint to export, or remove the headers.");
        }

        services.TryAddSingleton(TimeProvider.System);
        if (alerts is not null)
        {
            // Request logging removed: HttpClient's default handlers log the request URL, and this one holds a token.
            services.AddHttpClient(AlertSender.HttpClientName).RemoveAllLoggers();
            services.AddSingleton(provider => new AlertSender(provider.GetRequiredService<IHttpClientFactory>(), alerts, TradingWorker.Actor, provider.GetRequiredService<ILogger<AlertSender>>()));
            services.AddHostedService(provider => provider.GetRequiredService<AlertSender>());
            services.AddSingleton(provider => new AlertRules(
                provider.GetRequiredService<TimeProvider>(), alerts.PausedAfter, alerts.Interval, TradingWorker.Actor, provider.GetRequiredService<AlertSender>().Enqueue));
        }

        services.AddSingleton(provider => new WorkerState(provider.GetRequiredService<TimeProvider>(), provider.GetService<AlertRules>()));

        if (healthUrl is not null)
        {
            if (healthUrl.Scheme != Uri.UriSchemeHttp)
            {
                throw new TradingBotConfigurationException($"Worker:HealthUrl is '{healthUrl}'; the health endpoint serves plain http (it has no certificate): bind it to a private address such as http://127.0.0.1:8080.");
            }

            if (healthUrl.AbsolutePath != "/")
            {
                throw new TradingBotConfigurationException($"Worker:HealthUrl is '{healthUrl}'; give the address only (such as http://127.0.0.1:8080): the endpoints are /health/live and /health/ready on it.");
            }

            services.AddHealthChecks()
                .Add(new HealthCheckRegistration("loop", provider => new LoopHealthCheck(provider.GetRequiredService<WorkerState>(), provider.GetRequiredService<TimeProvider>(), healthTimeout), null, [HealthTags.Live]))
                .Add(new HealthCheckRegistration("lease", provider => new LeaseHealthCheck(provider.GetRequiredService<WorkerState>()), null, [HealthTags.Ready]))
                .Add(new HealthCheckRegistration("ledger", provider => ActivatorUtilities.CreateInstance<LedgerHealthCheck>(provider), null, [HealthTags.Ready]));
            services.AddHostedService(provider => ActivatorUtilities.CreateInstance<HealthEndpoint>(provider, healthUrl));
        }

        if (otlp is not null)
        {
            void Configure(OtlpExporterOptions options, string path)
            {
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                options.Endpoint = new Uri(otlp.AbsoluteUri.TrimEnd('/') + "/" + path); // under the endpoint's own path, as OTEL_EXPORTER_OTLP_ENDPOINT
                options.Headers = otlpHeaders;
            }

            services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService("TradingBot.Host.Worker", serviceInstanceId: TradingWorker.Actor))
                .WithMetrics(metrics => metrics.AddMeter(TradingBotMetrics.Name).AddOtlpExporter(options => Configure(options, "v1/metrics")))
                .WithTracing(tracing => tracing.AddSource(TradingBotMetrics.Name).AddOtlpExporter(options => Configure(options, "v1/traces")));
        }
    }

    private static AlertSettings? Alerts(IConfiguration configuration)
    {
        var url = HttpUrl(configuration["Alerts:WebhookUrl"], "Alerts:WebhookUrl", secret: true);
        var format = ConfigurationChoice.Parse(configuration["Alerts:Format"], "Alerts:Format", AlertFormat.Json);
        var chat = configuration["Alerts:TelegramChatId"];
        if (url is null)
        {
            return string.IsNullOrWhiteSpace(configuration["Alerts:Format"]) && string.IsNullOrWhiteSpace(chat)
                ? null
                : throw new TradingBotConfigurationException("Alerts:Format or Alerts:TelegramChatId is set but Alerts:WebhookUrl is not; set the webhook to send alerts.");
        }

        if (format == AlertFormat.Telegram && string.IsNullOrWhiteSpace(chat))
        {
            throw new TradingBotConfigurationException("Alerts:Format is Telegram, so Alerts:TelegramChatId is required (the chat the bot posts to).");
        }

        return new AlertSettings(
            url,
            format,
            string.IsNullOrWhiteSpace(chat) ? null : chat.Trim(),
            configuration.GetValue("Alerts:PausedAfter", DefaultPausedAfter),
            configuration.GetValue("Alerts:Interval", DefaultAlertInterval));
    }

    // An absolute http(s) URL, or null when the setting is empty. A secret one is never echoed in the message.
    private static Uri? HttpUrl(string? text, string setting, bool secret)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return url;
        }

        var shown = secret ? "not an absolute http or https URL (its value is not shown: it may hold a token)" : $"'{text}'; expected an absolute http or https URL";
        throw new TradingBotConfigurationException($"{setting} is {shown}.");
    }
}
