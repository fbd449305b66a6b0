using TradingBot.Domain.Orders;

namespace TradingBot.Application.Ports;

/// <summary>The result of creating an order: the row that holds the key, and whether this call wrote it.</summary>
/// <param name="Order">The order stored under the idempotency key (this call's, or the one that was there).</param>
/// <param name="Created">True when this call inserted it; false when the key already existed.</param>
public sealed record OrderCreation(Order Order, bool Created);
