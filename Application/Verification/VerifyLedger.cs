using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;

namespace TradingBot.Application.Verification;

/// <summary>The ledger's invariants that do not hold, one line each.</summary>
/// <param name="Violations">Each broken invariant.</param>
/// <param name="OrdersChecked">How many orders were checked.</param>
/// <param name="FillsChecked">How many fills were checked.</param>
/// <param name="PositionsChecked">How many positions were replayed.</param>
public sealed record VerificationReport(IReadOnlyList<string> Violations, int OrdersChecked, int FillsChecked, int PositionsChecked)
{
    /// <summary>True when every invariant holds.</summary>
    public bool Passed => Violations.Count == 0;
}

/// <summary>
/// Checks what a trading ledger lives by: every order's status agrees with its fills, no order is over-filled,
/// each position equals a replay of its fills and funding payments, no PENDING order is past the moment a worker
/// judges it (<see cref="OrderTiming.NeverPlacedAfter"/>, the same deadline) by more than <c>resolutionGrace</c>,
/// and the storage itself has no duplicate keys or fill ids, no orphan fills and, on SQLite, passes PRAGMA
/// integrity_check.
/// </summary>
public sealed class VerifyLedger(IUnitOfWork ledger, ILedgerIntegrity integrity, IClock clock, OrderTiming timing)
{
    /// <summary>
    /// Runs every check. <paramref name="requestValidity"/> is the exchange's (Binance: recvWindow);
    /// <paramref name="resolutionGrace"/> is how long a running worker may take to act on a deadline (a cycle or two).
    /// </summary>
    public async Task<VerificationReport> ExecuteAsync(TimeSpan requestValidity, TimeSpan resolutionGrace, CancellationToken cancellationToken)
    {
        var violations = new List<string>(await integrity.CheckStorageAsync(cancellationToken).ConfigureAwait(false));
        // One snapshot: a fill committed by a running worker between two of these reads would otherwise look like an
        // order whose fills do not add up.
        var (orders, fills, positions, payments) = await ledger.ReadAsync(
            async (session, ct) =>
            {
                var allPositions = await session.Positions.GetAllAsync(ct).ConfigureAwait(false);
                var allPayments = new List<TradingBot.Domain.Funding.FundingPayment>();
                foreach (var exchange in allPositions.Select(p => p.Exchange).Distinct())
                {
                    allPayments.AddRange(await session.FundingPayments.GetRangeAsync(exchange, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, ct).ConfigureAwait(false));
                }

                return (
                    await session.Orders.GetAllAsync(ct).ConfigureAwait(false),
                    await session.Fills.GetAllAsync(ct).ConfigureAwait(false),
                    allPositions,
                    allPayments);
            },
            cancellationToken).ConfigureAwait(false);

        var fillsByOrder = fills.ToLookup(f => f.Fill.OrderId);
        var now = clock.UtcNow;
        foreach (var order in orders)
        {
            var filled = fillsByOrder[order.Id].Aggregate(Quantity.Zero, (sum, f) => new Quantity(checked(sum.Units + f.Fill.Quantity.Units)));
            if (filled > order.Quantity)
            {
                violations.Add($"order {order.IdempotencyKey} is over-filled: fills sum to {filled}, the order is for {order.Quantity}");
            }

            if (filled != order.FilledQuantity)
            {
                violations.Add($"order {order.IdempotencyKey} records {order.FilledQuantity} filled but its fills sum to {filled}");
            }

            var expected = order.Status switch
            {
                OrderStatus.Filled => filled == order.Quantity,
                OrderStatus.PartiallyFilled => !filled.IsZero && filled < order.Quantity,
                OrderStatus.Pending or OrderStatus.Open or OrderStatus.Rejected => filled.IsZero,
                _ => true, // CANCELLED may have been partly filled first
            };
            if (!expected)
            {
                violations.Add($"order {order.IdempotencyKey} is {order.Status.ToCode()} but its fills sum to {filled} of {order.Quantity}");
            }

            var deadline = timing.NeverPlacedAfter(order, requestValidity);
            if (order.Status == OrderStatus.Pending && now > deadline + resolutionGrace)
            {
                violations.Add($"order {order.IdempotencyKey} has been PENDING since {order.CreatedAt:O}, past its deadline {deadline:O}: its outcome was never resolved");
            }
        }

        var ordersById = orders.ToDictionary(o => o.Id);
        var fillsByPosition = fills
            .Where(f => ordersById.ContainsKey(f.Fill.OrderId))
            .GroupBy(f => (ordersById[f.Fill.OrderId].Exchange, ordersById[f.Fill.OrderId].Symbol));
        var positionKeys = positions.Select(p => (p.Exchange, p.Symbol)).ToHashSet();
        foreach (var group in fillsByPosition.Where(g => !positionKeys.Contains(g.Key)))
        {
            violations.Add($"{group.Key.Exchange}/{group.Key.Symbol} has {group.Count()} fills but no position");
        }

        foreach (var position in positions)
        {
            var replay = Position.Replay(position.Exchange, position.Symbol, fills
                .Where(f => ordersById.TryGetValue(f.Fill.OrderId, out var o) && o.Exchange == position.Exchange && o.Symbol == position.Symbol)
                .OrderBy(f => f.Sequence)
                .Select(f => (f.Side, f.Fill)));
            foreach (var payment in payments.Where(p => p.Exchange == position.Exchange && p.Symbol == position.Symbol))
            {
                replay.ApplyFunding(payment.Amount, payment.PaidAt);
            }

            if (!replay.SameBalancesAs(position))
            {
                violations.Add(
                    $"position {position.Exchange}/{position.Symbol} is not a replay of its fills and funding: stored net {position.NetQuantity}, " +
                    $"realized {position.RealizedPnl}, fees {position.FeesPaid}, funding {position.FundingReceived}, fills {position.FillCount}; " +
                    $"replay net {replay.NetQuantity}, realized {replay.RealizedPnl}, fees {replay.FeesPaid}, funding {replay.FundingReceived}, fills {replay.FillCount}");
            }
        }

        return new VerificationReport(violations, orders.Count, fills.Count, positions.Count);
    }
}
