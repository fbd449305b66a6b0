using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Ports;

/// <summary>A fill as stored: with its order's side and its place in the position's sequence.</summary>
/// <param name="Fill">The execution.</param>
/// <param name="Side">Its order's side.</param>
/// <param name="Sequence">1 for the position's first fill, 2 for the next...; replay order.</param>
/// <param name="RealizedPnl">
/// The trading PnL the fill realized, as stored when it was recorded; null for a fill recorded before the ledger stored it
/// (the worker fills those in when it starts).
/// </param>
public sealed record RecordedFill(Fill Fill, Side Side, long Sequence, Amount? RealizedPnl = null);
