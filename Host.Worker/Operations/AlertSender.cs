using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TradingBot.Host.Worker.Operations;

/// <summary>How alerts are posted (<c>Alerts:Format</c>).</summary>
internal enum AlertFormat
{
    /// <summary>A JSON object: source, worker, condition, recovered, text, at.</summary>
    Json,

    /// <summary>Telegram's sendMessage body: chat_id (<c>Alerts:TelegramChatId</c>) and text.</summary>
    Telegram,
}

/// <summary>The <c>Alerts</c> settings, checked.</summary>
internal sealed record AlertSettings(Uri WebhookUrl, AlertFormat Format, string? TelegramChatId, TimeSpan PausedAfter, TimeSpan Interval);

/// <summary>
/// Posts queued alerts to the webhook, one at a time, off the trading loop: a webhook that is slow, refuses or is down
/// costs a log line (without its URL, which may hold a token) and never a cycle. The queue keeps the latest 100.
/// </summary>
internal sealed partial class AlertSender(IHttpClientFactory clients, AlertSettings settings, string worker, ILogger<AlertSender> log) : BackgroundService
{
    /// <summary>The named client; its request logging is removed, so the URL is never logged.</summary>
    public const string HttpClientName = "TradingBot.Alerts";

    private readonly Channel<Alert> _queue = Channel.CreateBounded<Alert>(new BoundedChannelOptions(100) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Queues an alert; never blocks.</summary>
    public void Enqueue(Alert alert) => _queue.Writer.TryWrite(alert);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var alert in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await SendAsync(alert, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is not sent.
        }
    }

    private async Task SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var content = settings.Format == AlertFormat.Telegram
                ? JsonContent.Create(new TelegramMessage(settings.TelegramChatId!, alert.Text), AlertJson.Default.TelegramMessage)
                : JsonContent.Create(new AlertMessage("TradingBot", worker, alert.Condition, alert.Recovered, alert.Text, alert.At), AlertJson.Default.AlertMessage);
            using var response = await clients.CreateClient(HttpClientName).PostAsync(settings.WebhookUrl, content, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                AlertRefused(alert.Condition, (int)response.StatusCode);
            }
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            AlertFailed(alert.Condition, exception.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The alert webhook answered {Status} to the alert on {Condition}; trading goes on.")]
    private partial void AlertRefused(string condition, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The alert on {Condition} could not be posted ({Problem}); trading goes on.")]
    private partial void AlertFailed(string condition, string problem);
}

/// <summary>The JSON alert.</summary>
internal sealed record AlertMessage(string Source, string Worker, string Condition, bool Recovered, string Text, DateTimeOffset At);

/// <summary>Telegram's sendMessage body.</summary>
internal sealed record TelegramMessage([property: JsonPropertyName("chat_id")] string ChatId, [property: JsonPropertyName("text")] string Text);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AlertMessage))]
[JsonSerializable(typeof(TelegramMessage))]
internal sealed partial class AlertJson : JsonSerializerContext;
