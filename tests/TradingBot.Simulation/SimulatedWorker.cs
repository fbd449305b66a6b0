using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Application.Ports;
using TradingBot.Application.Reconciliation;
using TradingBot.Application.Trading;

namespace TradingBot.Simulation;

/// <summary>The worker's process died at a step boundary: nothing it holds in memory survives.</summary>
public sealed class SimulatedCrashException(string message) : Exception(message);

/// <summary>
/// One worker process of the simulation: its own service provider (contexts, connection pools, the lease's lock), built
/// through the same registrations the host uses, and the Application objects that live as long as a process does.
/// A crash disposes all of it; a fresh worker is built in its place.
/// </summary>
internal sealed class SimulatedWorker(string name, ServiceProvider services) : IAsyncDisposable
{
    public string Name { get; } = name;

    public ServiceProvider Services { get; } = services;

    /// <summary>Its process is dead: every further ledger command or exchange call fails with <see cref="SimulatedCrashException"/>.</summary>
    public bool Dead { get; set; }

    /// <summary>It has run the start-up recovery since it (last) took the lease.</summary>
    public bool Recovered { get; set; }

    public int Failures { get; set; }

    public DateTimeOffset NextReconcile { get; set; }

    public TradingCycle Cycle { get; } = services.GetRequiredService<TradingCycle>();

    public Reconcile Reconcile { get; } = services.GetRequiredService<Reconcile>();

    public ILedgerLease Lease => Services.GetRequiredService<ILedgerLease>();

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}

/// <summary>The ledger's faults at command level: a dead worker's commands fail; a live one's fail transiently now and then.</summary>
internal sealed class LedgerCommandFaults(Simulation simulation, Func<SimulatedWorker?> worker) : DbCommandInterceptor
{
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        simulation.BeforeCommand(worker(), command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        simulation.BeforeCommand(worker(), command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        simulation.BeforeCommand(worker(), command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        simulation.BeforeCommand(worker(), command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        simulation.BeforeCommand(worker(), command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        simulation.BeforeCommand(worker(), command);
        return ValueTask.FromResult(result);
    }
}

/// <summary>The ledger's faults at commit: the process dies just before or just after a commit, or the commit's answer is lost.</summary>
internal sealed class LedgerCommitFaults(Simulation simulation, Func<SimulatedWorker?> worker) : DbTransactionInterceptor
{
    public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        simulation.BeforeCommit(worker());
        return result;
    }

    public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        simulation.BeforeCommit(worker());
        return ValueTask.FromResult(result);
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => simulation.AfterCommit(worker());

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        simulation.AfterCommit(worker());
        return Task.CompletedTask;
    }
}

/// <summary>Puts each unit of work of a worker into the trace, and refuses any once its process is dead.</summary>
internal sealed class TracedUnitOfWork(IUnitOfWork inner, Simulation simulation, Func<SimulatedWorker?> worker) : IUnitOfWork
{
    public Task<T> ExecuteAsync<T>(Func<ILedgerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        TracedAsync($"unit of {UseCase(work)}", () => inner.ExecuteAsync(work, cancellationToken));

    public Task<T> ReadAsync<T>(Func<ILedgerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        TracedAsync($"read of {UseCase(work)}", () => inner.ReadAsync(work, cancellationToken));

    // The class whose code the unit runs (a lambda's closure is nested in it): PlaceOrder, IngestTrades, Reconcile...
    private static string UseCase(Delegate work)
    {
        var type = work.Method.DeclaringType;
        while (type?.DeclaringType is not null && type.Name.Contains('<', StringComparison.Ordinal))
        {
            type = type.DeclaringType;
        }

        return type?.Name ?? "?";
    }

    private async Task<T> TracedAsync<T>(string kind, Func<Task<T>> run)
    {
        var current = worker();
        Simulation.BeforeUnit(current);
        try
        {
            var result = await run().ConfigureAwait(false);
            simulation.Trace(current, $"ledger {kind} done");
            return result;
        }
        catch (Exception exception) when (exception is not SimulatedCrashException)
        {
            simulation.Trace(current, $"ledger {kind} failed: {exception.GetType().Name}");
            throw;
        }
    }
}

/// <summary>Replaces a registered service with a wrapper around it (how the simulation and its tests substitute a rule).</summary>
public static class ServiceDecoration
{
    /// <summary>Wraps the last registration of <typeparamref name="T"/> (a singleton) in <paramref name="wrap"/>.</summary>
    public static IServiceCollection Decorate<T>(this IServiceCollection services, Func<T, IServiceProvider, T> wrap)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(wrap);
        var registered = services.Last(d => d.ServiceType == typeof(T) && !d.IsKeyedService);
        services.Remove(registered);
        services.AddSingleton(provider => wrap(
            (T)(registered.ImplementationInstance
                ?? registered.ImplementationFactory?.Invoke(provider)
                ?? ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!)),
            provider));
        return services;
    }
}
