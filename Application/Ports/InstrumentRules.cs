using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Ports;

/// <summary>An instrument's trading rules (Binance: PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, MIN_NOTIONAL).</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="BaseAsset">The traded asset (BTC).</param>
/// <param name="QuoteAsset">The settlement asset (USDT).</param>
/// <param name="TickSize">Prices are multiples of this.</param>
/// <param name="StepSize">Quantities of limit orders are multiples of this.</param>
/// <param name="MinQuantity">The smallest quantity of a limit order.</param>
public sealed record InstrumentRules(Symbol Symbol, Asset BaseAsset, Asset QuoteAsset, Price TickSize, Quantity StepSize, Quantity MinQuantity)
{
    /// <summary>Quantities of market orders are multiples of this (Binance MARKET_LOT_SIZE); the limit step when the exchange has no other.</summary>
    public Quantity MarketStepSize { get; init; } = StepSize;

    /// <summary>The smallest quantity of a market order.</summary>
    public Quantity MarketMinQuantity { get; init; } = MinQuantity;

    /// <summary>The smallest notional (price × quantity, in the quote asset) of an order that is not reduce-only; zero when none.</summary>
    public Amount MinNotional { get; init; }
}
