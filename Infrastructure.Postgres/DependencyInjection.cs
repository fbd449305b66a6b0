using Microsoft.Extensions.DependencyInjection.Extensions;
using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Postgres;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ledger on PostgreSQL.</summary>
public static class PostgresLedgerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the ledger (EF Core model, unit of work, clock) on the Postgres database named by
    /// <paramref name="connectionString"/>. A malformed connection string throws <see cref="ArgumentException"/>
    /// here, naming the problem.
    /// </summary>
    public static IServiceCollection AddPostgresLedger(this IServiceCollection services, string connectionString)
    {
        PostgresLedger.PrepareConnectionString(connectionString);
        services.TryAddSingleton<ILedgerLease>(_ => new PostgresLedgerLease(connectionString));
        services.TryAddSingleton<ILedgerBulkWriter, PostgresLedgerBulkWriter>();
        return services.AddLedgerPersistence(options => PostgresLedger.Configure(options, connectionString));
    }
}
