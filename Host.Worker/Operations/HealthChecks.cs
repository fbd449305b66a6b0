using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TradingBot.Infrastructure.Persistence;

namespace TradingBot.Host.Worker.Operations;

/// <summary>The health checks' tags: liveness (restart me) and readiness (send me work).</summary>
internal static class HealthTags
{
    public const string Live = "live";
    public const string Ready = "ready";
}

/// <summary>
/// Liveness: the loop completed a cycle or a standby check within <paramref name="timeout"/>. A halted symbol, a standby
/// or an unreachable ledger do not fail it: a platform would restart the worker in a loop without curing any of them.
/// </summary>
internal sealed class LoopHealthCheck(WorkerState state, TimeProvider time, TimeSpan timeout) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var since = time.GetUtcNow() - state.LastLoopAt;
        return Task.FromResult(since <= timeout
            ? HealthCheckResult.Healthy($"the loop last completed {since.Ticks / TimeSpan.TicksPerSecond}s ago")
            : HealthCheckResult.Unhealthy($"the loop has not completed a cycle or a standby check for {since:c} (Worker:HealthTimeout is {timeout:c})"));
    }
}

/// <summary>Readiness, part one: this worker holds the ledger lease (a standby is not ready, and says so).</summary>
internal sealed class LeaseHealthCheck(WorkerState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.Role switch
        {
            WorkerRole.Active => HealthCheckResult.Healthy("active: holds the ledger lease"),
            WorkerRole.Standby => HealthCheckResult.Unhealthy("standby: another worker holds the ledger lease"),
            _ => HealthCheckResult.Unhealthy("starting"),
        });
}

/// <summary>Readiness, part two: the ledger answers a connection within five seconds.</summary>
internal sealed class LedgerHealthCheck(IDbContextFactory<LedgerDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await using var ledger = await contexts.CreateDbContextAsync(timeout.Token).ConfigureAwait(false);
            return await ledger.Database.CanConnectAsync(timeout.Token).ConfigureAwait(false)
                ? HealthCheckResult.Healthy("the ledger answers")
                : HealthCheckResult.Unhealthy("the ledger is unreachable");
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"the ledger is unreachable ({exception.GetType().Name})");
        }
    }
}
