using TradingBot.Application.Ports;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Orders;

/// <summary>
/// Brings a ledger order in line with what the exchange reports, as far as the ledger's own records allow:
/// the exchange id is recorded, PENDING becomes OPEN once the exchange has the order, and CANCELLED or
/// REJECTED are taken over. A REJECTED order the exchange turns out to have (judged "never placed" too early)
/// becomes OPEN or CANCELLED: the exchange is the truth. PARTIALLY_FILLED and FILLED come only from recorded
/// fills, so the ledger's status always agrees with its fills; an order the exchange calls FILLED whose reported
/// executions are all recorded but fall short of the ledger's quantity ends CANCELLED, so it can complete.
/// </summary>
internal static class ExchangeOrderSync
{
    /// <summary>Applies the state; returns the status before, so callers can audit a change.</summary>
    /// <remarks>Use <see cref="Why"/> for the audit event's reason.</remarks>
    public static OrderStatus Apply(Order order, ExchangeOrderState state, DateTimeOffset now)
    {
        var before = order.Status;
        order.AssignExchangeOrderId(state.ExchangeOrderId, now);
        var target = state.Status switch
        {
            OrderStatus.Rejected when order.FilledQuantity.IsZero => OrderStatus.Rejected,
            OrderStatus.Rejected or OrderStatus.Cancelled => OrderStatus.Cancelled,

            // Done at the exchange with every execution it reports already recorded, yet short of the ledger's quantity
            // (e.g. an order written before quantities were rounded to the step): the rest was never executed.
            OrderStatus.Filled when order.FilledQuantity < order.Quantity && state.FilledQuantity <= order.FilledQuantity && !order.FilledQuantity.IsZero => OrderStatus.Cancelled,
            _ when order.Status is OrderStatus.Pending or OrderStatus.Rejected => OrderStatus.Open,
            _ => order.Status,
        };

        // A terminal ledger status (e.g. FILLED from fills) is not undone by a stale exchange answer.
        order.TryTransitionTo(target, now);
        return before;
    }

    /// <summary>The reason to audit for a change from <paramref name="before"/> that <paramref name="what"/> caused.</summary>
    public static string Why(OrderStatus before, string what) => before == OrderStatus.Rejected
        ? $"{what}: the exchange has this order, so the earlier judgement that it was never placed is corrected"
        : what;
}
