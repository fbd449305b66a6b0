using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ledger on SQLite.</summary>
public static class SqliteLedgerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the ledger (EF Core model, unit of work, clock) on the SQLite file named by
    /// <paramref name="connectionString"/> (e.g. <c>Data Source=data/ledger.db</c>). A malformed connection
    /// string throws <see cref="ArgumentException"/> here, naming the problem.
    /// </summary>
    public static IServiceCollection AddSqliteLedger(this IServiceCollection services, string connectionString)
    {
        var prepared = SqliteLedger.PrepareConnectionString(connectionString);
        services.TryAddSingleton<ILedgerLease>(_ => new SqliteLedgerLease(connectionString));
        services.AddLedgerPersistence(options => SqliteLedger.Configure(options, connectionString));

        // Each pooled context keeps one open connection, so its statements stay compiled (SqliteLedgerContexts).
        var pooled = services.Last(d => d.ServiceType == typeof(IDbContextFactory<LedgerDbContext>) && !d.IsKeyedService);
        services.Remove(pooled);
        services.AddSingleton<IDbContextFactory<LedgerDbContext>>(provider => new SqliteLedgerContexts(
            (IDbContextFactory<LedgerDbContext>)(pooled.ImplementationInstance
                ?? pooled.ImplementationFactory?.Invoke(provider)
                ?? ActivatorUtilities.CreateInstance(provider, pooled.ImplementationType!)),
            prepared));
        return services;
    }
}
