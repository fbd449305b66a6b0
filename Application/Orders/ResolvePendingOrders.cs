using TradingBot.Application.Ports;
using TradingBot.Application.Telemetry;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Orders;

/// <summary>How the pending orders were resolved.</summary>
/// <param name="Resolved">Orders the exchange had, now recorded from its answer.</param>
/// <param name="Rejected">Orders the exchange still did not show after their deadline: judged never placed, now REJECTED.</param>
/// <param name="StillPending">Orders the exchange does not show yet (before their deadline) or could not answer for; tried again next time.</param>
public sealed record PendingResolution(IReadOnlyList<Order> Resolved, IReadOnlyList<Order> Rejected, IReadOnlyList<Order> StillPending);

/// <summary>
/// Repairs the gap between "intent written" and "exchange answered": each PENDING order is looked up at the exchange by
/// its idempotency key and recorded from what the exchange says. An order the exchange does not show is judged never
/// placed (REJECTED) only after <see cref="OrderTiming.NeverPlacedAfter"/>, computed from the order's
/// <c>created_at</c>: Binance's query service can answer "does not exist" for a while although its matching engine has
/// the order. Should it show up after all, <see cref="RecordFill"/> and <see cref="ExchangeOrderSync"/> adopt it.
/// </summary>
public sealed class ResolvePendingOrders(IUnitOfWork ledger, IExchange exchange, IClock clock, OrderTiming timing, TradingBotMetrics? metrics = null)
{
    private readonly TradingBotMetrics _metrics = metrics ?? TradingBotMetrics.Shared;

    /// <summary>Resolves every PENDING order of this exchange.</summary>
    public async Task<PendingResolution> ExecuteAsync(CancellationToken cancellationToken)
    {
        var pending = await ledger.ExecuteAsync((session, ct) => session.Orders.GetPendingOrdersAsync(ct), cancellationToken).ConfigureAwait(false);
        var resolved = new List<Order>();
        var rejected = new List<Order>();
        var stillPending = new List<Order>();

        foreach (var order in pending.Where(o => o.Exchange == exchange.Name))
        {
            var lookup = await exchange.GetOrderAsync(order.Symbol, order.IdempotencyKey, cancellationToken).ConfigureAwait(false);
            var verdictAt = timing.NeverPlacedAfter(order, exchange.RequestValidity);
            switch (lookup)
            {
                case OrderLookupResult.Found found:
                    resolved.Add(await UpdateAsync(order, o => ExchangeOrderSync.Apply(o, found.State, clock.UtcNow), "found at the exchange by its key", cancellationToken).ConfigureAwait(false));
                    break;
                case OrderLookupResult.NotFound when clock.UtcNow > verdictAt:
                    rejected.Add(await UpdateAsync(
                        order,
                        o =>
                        {
                            var before = o.Status;
                            o.TransitionTo(OrderStatus.Rejected, clock.UtcNow);
                            return before;
                        },
                        $"never placed: the exchange does not show it after {verdictAt:O} (send deadline, request validity and visibility margin passed)",
                        cancellationToken).ConfigureAwait(false));
                    break;
                default:
                    stillPending.Add(order);
                    break;
            }
        }

        _metrics.PendingOrders(stillPending.Count, stillPending.Count == 0 ? null : stillPending.Min(o => o.CreatedAt));
        return new PendingResolution(resolved, rejected, stillPending);
    }

    private Task<Order> UpdateAsync(Order order, Func<Order, OrderStatus> change, string reason, CancellationToken cancellationToken)
    {
        var auditId = Guid.CreateVersion7(); // outside the unit of work: a re-run after a lost commit answer appends no second event
        return ledger.ExecuteAsync(
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
                await session.Audit.AppendAsync(OrderAudit.Transition(current, before, clock.UtcNow, reason, auditId), ct).ConfigureAwait(false);
                return current;
            },
            cancellationToken);
    }
}
