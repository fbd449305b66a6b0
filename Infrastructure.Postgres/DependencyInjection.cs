using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence;
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
    public static IServiceCollection AddPostgresLedger(this IServiceCollection services, string connectionString) =>
        services.AddPostgresLedger(new PostgresLedgerConnections(connectionString));

    /// <summary>
    /// Adds the ledger on Postgres with its data connections through <see cref="PostgresLedgerConnections.Data"/> (a
    /// transaction-mode pooler's address when <see cref="PostgresLedgerConnections.ThroughPooler"/>), and the lease and
    /// the migrations over <see cref="PostgresLedgerConnections.Session"/>. Wrong connections throw <see cref="ArgumentException"/> here.
    /// </summary>
    public static IServiceCollection AddPostgresLedger(this IServiceCollection services, PostgresLedgerConnections connections)
    {
        ArgumentNullException.ThrowIfNull(connections);
        connections.Checked();
        services.TryAddSingleton<ILedgerLease>(_ => new PostgresLedgerLease(connections.Session));
        services.TryAddSingleton<ILedgerBulkWriter, PostgresLedgerBulkWriter>();
        var direct = connections.Direct is { } session ? new PostgresContextFactory(session) : null;
        services.TryAddSingleton(provider => new LedgerMigrator(direct ?? provider.GetRequiredService<IDbContextFactory<LedgerDbContext>>(), connections.Partitioning));

        return services.AddLedgerPersistence(options => PostgresLedger.Configure(options, connections.Data, connections.ThroughPooler));
    }
}
