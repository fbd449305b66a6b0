using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ledger's EF Core model for a provider chosen by the provider packages.</summary>
public static class LedgerPersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Adds a pooled <see cref="LedgerDbContext"/> factory configured by <paramref name="configure"/> (the
    /// provider packages call this from <c>AddSqliteLedger</c> / <c>AddPostgresLedger</c>), the unit of
    /// work and a system clock. EF Core interceptors registered as <see cref="IInterceptor"/> services are
    /// added to the context ahead of the provider's own (logging, diagnostics, fault injection in tests). Uses TryAdd so a host can
    /// replace any of them.
    /// </summary>
    public static IServiceCollection AddLedgerPersistence(this IServiceCollection services, Action<DbContextOptionsBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddPooledDbContextFactory<LedgerDbContext>((provider, options) =>
        {
            // The host's interceptors come first: they see each command before the provider's own run it (SQLite's
            // statement cache executes a kept command in its interceptor), so a fault injected there stops it unexecuted.
            options.AddInterceptors(provider.GetServices<IInterceptor>());
            configure(options);
        });
        services.TryAddSingleton<IUnitOfWork, LedgerUnitOfWork>();
        services.TryAddSingleton<LedgerMigrator>();
        services.TryAddSingleton<ILedgerIntegrity, LedgerIntegrity>();
        services.TryAddSingleton<IClock, SystemClock>();
        return services;
    }
}
