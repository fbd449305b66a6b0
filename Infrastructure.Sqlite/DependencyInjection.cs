using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ledger on SQLite.</summary>
public static class SqliteLedgerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the ledger (EF Core model, unit of work, clock) on the SQLite file named by
    /// <paramref name="connectionString"/> (e.g. <c>Data Source=data/ledger.db</c>; a relative path is taken against
    /// <paramref name="baseDirectory"/>, the host's content root, or the current directory when null). A malformed
    /// connection string throws <see cref="ArgumentException"/> here, naming the problem. <c>Mode=ReadOnly</c> opens an
    /// existing ledger for reading and never creates a file or folder.
    /// </summary>
    public static IServiceCollection AddSqliteLedger(this IServiceCollection services, string connectionString, string? baseDirectory = null)
    {
        var prepared = SqliteLedger.PrepareConnectionString(connectionString, baseDirectory);
        services.TryAddSingleton<ILedgerLease>(_ => new SqliteLedgerLease(prepared));
        services.TryAddSingleton<ILedgerBulkWriter, SqliteLedgerBulkWriter>();
        services.AddLedgerPersistence(options => SqliteLedger.Configure(options, prepared));

        // Each pooled context keeps one open connection, so its statements stay compiled (SqliteLedgerContextFactory).
        var pooled = services.Last(d => d.ServiceType == typeof(IDbContextFactory<LedgerDbContext>) && !d.IsKeyedService);
        services.Remove(pooled);
        services.AddSingleton<IDbContextFactory<LedgerDbContext>>(provider => new SqliteLedgerContextFactory(
            (IDbContextFactory<LedgerDbContext>)(pooled.ImplementationInstance
                ?? pooled.ImplementationFactory?.Invoke(provider)
                ?? ActivatorUtilities.CreateInstance(provider, pooled.ImplementationType!)),
            prepared));
        return services;
    }
}
