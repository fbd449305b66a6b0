using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Persistence;

/// <summary>
/// Checks the stored rows directly: duplicate idempotency keys, exchange order ids and fill ids (which the
/// UNIQUE indexes should make impossible), fills without an order, and the provider's own integrity check.
/// </summary>
public sealed class LedgerIntegrity(IDbContextFactory<LedgerDbContext> contexts) : ILedgerIntegrity
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> CheckStorageAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var problems = new List<string>();

        problems.AddRange((await db.Orders.AsNoTracking().Where(o => o.IdempotencyKey != null)
                .GroupBy(o => o.IdempotencyKey).Where(g => g.Count() > 1).Select(g => new { g.Key, Count = g.Count() })
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .Select(d => $"idempotency key {d.Key} is held by {d.Count} orders"));
        problems.AddRange((await db.Orders.AsNoTracking().Where(o => o.ExchangeOrderId != null)
                .GroupBy(o => o.ExchangeOrderId).Where(g => g.Count() > 1).Select(g => new { g.Key, Count = g.Count() })
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .Select(d => $"exchange order id {d.Key} is held by {d.Count} orders"));
        problems.AddRange((await db.Fills.AsNoTracking()
                .GroupBy(f => f.ExchangeFillId).Where(g => g.Count() > 1).Select(g => new { g.Key, Count = g.Count() })
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .Select(d => $"exchange fill id {d.Key} is recorded {d.Count} times"));
        // A left join that finds no order (an anti-join to the planner); "OR NOT EXISTS" made Postgres probe orders per fill.
        problems.AddRange((await (
                from f in db.Fills.AsNoTracking()
                join o in db.Orders.AsNoTracking() on f.OrderId equals (Guid?)o.Id into owners
                from o in owners.DefaultIfEmpty()
                where o == null
                select f.ExchangeFillId)
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .Select(id => $"fill {id} belongs to no order"));

        problems.AddRange(await LedgerProvider.Of(db).CheckStorageAsync(db, cancellationToken).ConfigureAwait(false));

        return problems;
    }
}
