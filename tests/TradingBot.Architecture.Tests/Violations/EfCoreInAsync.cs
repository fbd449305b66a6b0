using Microsoft.EntityFrameworkCore;

namespace TradingBot.Architecture.Tests.Violations;

/// <summary>Breaks the inner layers' rule only through a called EF Core extension method, in an async method.</summary>
public static class EfCoreInAsync
{
    /// <summary>Counts the names in the database.</summary>
    public static async Task<int> CountAsync(IQueryable<string> names, CancellationToken cancellationToken) =>
        await names.CountAsync(cancellationToken).ConfigureAwait(false);
}
