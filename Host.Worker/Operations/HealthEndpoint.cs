using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TradingBot.Host.Worker.Operations;

/// <summary>
/// <c>Worker:HealthUrl</c>: GET <c>/health/live</c> and <c>/health/ready</c> on that address, 200 when healthy and 503
/// when not, with a JSON body (status, role, halted symbols, each check). A small Kestrel of its own, so the worker stays
/// a worker; the checks are the worker's (<see cref="HealthCheckService"/>).
/// </summary>
internal sealed class HealthEndpoint(Uri url, HealthCheckService checks, WorkerState state, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls(url.GetLeftPart(UriPartial.Authority));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(loggers);
        _app = builder.Build();
        _app.UseRouting();
        _app.MapGet("/health/live", context => AnswerAsync(context, HealthTags.Live));
        _app.MapGet("/health/ready", context => AnswerAsync(context, HealthTags.Ready));
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task AnswerAsync(HttpContext context, string tag)
    {
        var report = await checks.CheckHealthAsync(c => c.Tags.Contains(tag), context.RequestAborted).ConfigureAwait(false);
        var healthy = report.Status == HealthStatus.Healthy;
        var role = state.Role;
        var answer = new HealthAnswer(
            report.Status.ToString(),
            tag == HealthTags.Ready ? healthy : null,
            role.ToString().ToLowerInvariant(),
            role == WorkerRole.Standby,
            [.. state.Halted.Select(h => h.Symbol.Value)],
            report.Entries.ToDictionary(e => e.Key, e => new HealthEntry(e.Value.Status.ToString(), e.Value.Description), StringComparer.Ordinal));
        context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(answer, HealthJson.Default.HealthAnswer, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>The health endpoint's answer.</summary>
internal sealed record HealthAnswer(string Status, bool? Ready, string Role, bool Standby, IReadOnlyList<string> HaltedSymbols, IReadOnlyDictionary<string, HealthEntry> Checks);

/// <summary>One check's answer.</summary>
internal sealed record HealthEntry(string Status, string? Description);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthAnswer))]
internal sealed partial class HealthJson : JsonSerializerContext;
