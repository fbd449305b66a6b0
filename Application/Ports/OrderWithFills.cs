using TradingBot.Domain.Amounts;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Ports;

/// <summary>An order and what its stored fills add up to.</summary>
/// <param name="Order">The order.</param>
/// <param name="Filled">The sum of its fills' quantities.</param>
/// <param name="Fills">How many fills it has.</param>
public sealed record OrderWithFills(Order Order, Quantity Filled, long Fills);
