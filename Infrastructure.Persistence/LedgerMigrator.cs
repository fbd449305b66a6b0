using Microsoft.EntityFrameworkCore;

namespace TradingBot.Infrastructure.Persistence;

/// <summary>Applies the configured provider's migrations to the ledger database.</summary>
public sealed class LedgerMigrator(IDbContextFactory<LedgerDbContext> contexts)
{
    /// <summary>The migrations this build has and the ledger database has not applied (all of them: no ledger schema at all).</summary>
    public async Task<(IReadOnlyList<string> Pending, int Known)> PendingAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var known = db.Database.GetMigrations().Count();
        return ([.. await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)], known);
    }

    /// <summary>Applies pending migrations and returns their names (empty when the ledger was up to date).</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        if (!db.Database.GetMigrations().Any())
        {
            throw new InvalidOperationException($"no migrations were found for the {db.Database.ProviderName} ledger; the provider's migrations assembly is missing");
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).ToList();
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return pending;
    }
}
