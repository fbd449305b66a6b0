using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;

namespace TradingBot.Application.Ports;

/// <summary>What recording a fill needs from the ledger, read together in one query.</summary>
/// <param name="Order">The fill's order.</param>
/// <param name="Position">The position of the order's exchange and symbol; null when none was ever recorded.</param>
/// <param name="AlreadyRecorded">True when a fill with this exchange fill id is already stored.</param>
public sealed record FillTarget(Order Order, Position? Position, bool AlreadyRecorded);
