using TradingBot.Application.Ports;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Orders;

/// <summary>How the pending orders were resolved.</summary>
/// <param name="Resolved">Orders the exchange had, now recorded from its answer.</param>
/// <param name="Rejected">Orders the exchange never saw, now REJECTED.</param>
/// <param name="StillPending">Orders the exchange could not answer for; tried again next time.</param>
public sealed record PendingResolution(IReadOnlyList<Order> Resolved, IReadOnlyList<Order> Rejected, IReadOnlyList<Order> StillPending);

/// <summary>
/// Repairs the gap between "intent written" and "exchange answered": each PENDING order is looked up at the
/// exchange by its idempotency key and recorded from what the exchange says, or marked REJECTED when the
/// exchange never saw it.
/// </summary>
public sealed class ResolvePendingOrders(IUnitOfWork ledger, IExchange exchange, IClock clock)
{
    /// <summary>Resolves PENDING orders created before <paramref name="createdBefore"/> (all when null).</summary>
    public async Task<PendingResolution> ExecuteAsync(DateTimeOffset? createdBefore, CancellationToken cancellationToken)
    {
        var pending = await ledger.ExecuteAsync((session, ct) => session.Orders.GetPendingOrdersAsync(ct), cancellationToken).ConfigureAwait(false);
        var resolved = new List<Order>();
        var rejected = new List<Order>();
        var stillPending = new List<Order>();

        foreach (var order in pending.Where(o => o.Exchange == exchange.Name && (createdBefore is null || o.CreatedAt < createdBefore)))
        {
            var lookup = await exchange.GetOrderAsync(order.Symbol, order.IdempotencyKey, cancellationToken).ConfigureAwait(false);
            switch (lookup)
            {
                case OrderLookupResult.Found found:
                    resolved.Add(await UpdateAsync(order, o => ExchangeOrderSync.Apply(o, found.State, clock.UtcNow), "found at the exchange by its key", cancellationToken).ConfigureAwait(false));
                    break;
                case OrderLookupResult.NotFound:
                    rejected.Add(await UpdateAsync(
                        order,
                        o =>
                        {
                            var before = o.Status;
                            o.TransitionTo(OrderStatus.Rejected, clock.UtcNow);
                            return before;
                        },
                        "the exchange never saw this order",
                        cancellationToken).ConfigureAwait(false));
                    break;
                default:
                    stillPending.Add(order);
                    break;
            }
        }

        return new PendingResolution(resolved, rejected, stillPending);
    }

    private Task<Order> UpdateAsync(Order order, Func<Order, OrderStatus> change, string reason, CancellationToken cancellationToken) =>
        ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var current = await session.Orders.FindByIdAsync(order.Id, ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"order {order.IdempotencyKey} vanished from the ledger");
                if (current.Status != OrderStatus.Pending)
                {
                    return current; // resolved meanwhile by another path
                }

                var before = change(current);
                await session.Orders.UpdateAsync(current, ct).ConfigureAwait(false);
                await session.Audit.AppendAsync(OrderAudit.Transition(current, before, clock.UtcNow, reason), ct).ConfigureAwait(false);
                return current;
            },
            cancellationToken);
}
