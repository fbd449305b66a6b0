using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Ports;

/// <summary>A fill with the position it belongs to (its order's exchange and symbol).</summary>
/// <param name="Exchange">The order's exchange.</param>
/// <param name="Symbol">The order's symbol.</param>
/// <param name="Recorded">The fill, its order's side and its sequence.</param>
public sealed record PositionFill(ExchangeName Exchange, Symbol Symbol, RecordedFill Recorded);
