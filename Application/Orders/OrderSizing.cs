using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Orders;

/// <summary>An order's quantity and price as the exchange will take them, or why it cannot take them.</summary>
/// <param name="Quantity">The quantity, on the symbol's step.</param>
/// <param name="LimitPrice">The limit price, on the symbol's tick; null for MARKET.</param>
/// <param name="Problem">Why the exchange would refuse the order; null when it can be sent.</param>
public sealed record SizedOrder(Quantity Quantity, Price? LimitPrice, string? Problem)
{
    /// <summary>True when the order can be sent.</summary>
    public bool Sendable => Problem is null;
}

/// <summary>
/// Rounds an order to its symbol's rules before its intent is written, so the ledger's order holds exactly what is
/// sent and can complete: the quantity down to the step (MARKET_LOT_SIZE for a market order, LOT_SIZE otherwise), a
/// BUY limit down and a SELL limit up to the tick (never a worse price than asked). A quantity that rounds to zero or
/// below the minimum, or a notional under the symbol's minimum (reduce-only orders are exempt, as at Binance), is a
/// problem, named.
/// </summary>
public static class OrderSizing
{
    /// <summary>
    /// Sizes an order; <paramref name="referencePrice"/> (the mark price) values a MARKET order's notional (null: its
    /// notional is not checked).
    /// </summary>
    public static SizedOrder Size(InstrumentRules rules, OrderType type, Side side, Quantity quantity, Price? limitPrice, Price? referencePrice, bool reduceOnly)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var market = type == OrderType.Market;
        var step = market ? rules.MarketStepSize : rules.StepSize;
        var minimum = market ? rules.MarketMinQuantity : rules.MinQuantity;
        var rounded = step.IsZero ? quantity : quantity.RoundDownTo(step);
        Price? price = null;
        if (!market)
        {
            if (limitPrice is not { } limit)
            {
                return new SizedOrder(rounded, null, $"a {type.ToCode()} order needs a limit price");
            }

            price = RoundToTick(limit, rules.TickSize, side);
        }

        if (rounded.IsZero || rounded < minimum)
        {
            return new SizedOrder(rounded, price, $"quantity {quantity} of {rules.Symbol} rounds down to {rounded} (step {step}), below the minimum {minimum}");
        }

        if (!reduceOnly && !rules.MinNotional.IsZero && (price ?? referencePrice) is { } valued && valued.NotionalOf(rounded) < rules.MinNotional)
        {
            return new SizedOrder(rounded, price, $"quantity {rounded} of {rules.Symbol} at {valued} is a notional of {valued.NotionalOf(rounded)}, below the minimum {rules.MinNotional} {rules.QuoteAsset}");
        }

        return new SizedOrder(rounded, price, null);
    }

    private static Price RoundToTick(Price price, Price tick, Side side)
    {
        if (tick.Units == 0)
        {
            return price;
        }

        var down = price.RoundDownTo(tick);
        return side == Side.Sell && down != price ? new Price(checked(down.Units + tick.Units)) : down;
    }
}
