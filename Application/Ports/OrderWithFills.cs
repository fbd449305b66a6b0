using TradingBot.Domain.Amounts;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Ports;

/// <summary>An order and its stored fills, each with the order's side, its sequence in its position and its realized PnL.</summary>
/// <param name="Order">The order.</param>
/// <param name="Fills">Its fills, in no particular order.</param>
public sealed record OrderWithFills(Order Order, IReadOnlyList<RecordedFill> Fills)
{
    /// <summary>The sum of its fills' quantities.</summary>
    public Quantity Filled => new(Fills.Sum(f => f.Fill.Quantity.Units));
}
