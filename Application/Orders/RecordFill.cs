using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;

namespace TradingBot.Application.Orders;

/// <summary>What recording a fill came to.</summary>
public enum RecordFillStatus
{
    /// <summary>Fill, order status, position and audit event were written in one transaction.</summary>
    Recorded,

    /// <summary>The exchange fill id was already recorded: nothing was written.</summary>
    Duplicate,

    /// <summary>The fill names an order the ledger does not have: nothing was written.</summary>
    UnknownOrder,

    /// <summary>The fill would over-fill its order, or its order cannot have fills: nothing was written.</summary>
    Refused,
}

/// <summary>The outcome of <see cref="RecordFill"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="OrderStatus">The order's status afterwards (null for an unknown order).</param>
/// <param name="RealizedPnl">The trading PnL this fill realized (zero unless recorded).</param>
public sealed record RecordFillResult(RecordFillStatus Status, OrderStatus? OrderStatus, Amount RealizedPnl);

/// <summary>
/// Records one execution atomically: the fill (a known exchange fill id is a no-op), the order's status,
/// the position and a FILL audit event are one transaction — all of them or none.
/// </summary>
public sealed class RecordFill(IUnitOfWork ledger, IClock clock)
{
    /// <summary>Runs the use case.</summary>
    public Task<RecordFillResult> ExecuteAsync(Fill fill, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fill);
        return ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var target = await session.Fills.FindTargetAsync(fill, ct).ConfigureAwait(false);
                if (target is null)
                {
                    return new RecordFillResult(RecordFillStatus.UnknownOrder, null, Amount.Zero);
                }

                var order = target.Order;
                if (target.AlreadyRecorded)
                {
                    return new RecordFillResult(RecordFillStatus.Duplicate, order.Status, Amount.Zero);
                }

                var now = clock.UtcNow;
                var statusBefore = order.Status;
                var application = order.ApplyFill(fill, now);
                if (application != FillApplication.Applied)
                {
                    var status = application == FillApplication.Duplicate ? RecordFillStatus.Duplicate : RecordFillStatus.Refused;
                    return new RecordFillResult(status, order.Status, Amount.Zero);
                }

                var position = target.Position ?? Position.Flat(order.Exchange, order.Symbol);
                if (!await session.Fills.TryAddAsync(fill, position.FillCount + 1, ct).ConfigureAwait(false))
                {
                    return new RecordFillResult(RecordFillStatus.Duplicate, statusBefore, Amount.Zero);
                }

                var realized = position.ApplyFill(order.Side, fill);
                await session.Orders.UpdateAsync(order, ct).ConfigureAwait(false);
                await session.Positions.SaveAsync(position, ct).ConfigureAwait(false);
                if (order.Status != statusBefore)
                {
                    await session.Audit.AppendAsync(OrderAudit.Transition(order, statusBefore, now, $"fill {fill.ExchangeFillId}"), ct).ConfigureAwait(false);
                }

                await session.Audit.AppendAsync(
                    AuditEvent.Create(
                        AuditEventType.Fill,
                        now,
                        ("exchange_fill_id", fill.ExchangeFillId.Value),
                        ("order_id", order.Id.ToString()),
                        ("symbol", order.Symbol.Value),
                        ("side", order.Side.ToCode()),
                        ("price", fill.Price.ToString()),
                        ("quantity", fill.Quantity.ToString()),
                        ("fee", fill.Fee.ToString()),
                        ("realized_pnl", realized.ToString()),
                        ("position", position.NetQuantity.ToString())),
                    ct).ConfigureAwait(false);
                return new RecordFillResult(RecordFillStatus.Recorded, order.Status, realized);
            },
            cancellationToken);
    }
}
