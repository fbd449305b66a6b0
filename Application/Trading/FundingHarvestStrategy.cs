using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Trading;

/// <summary>The funding-rate harvest's settings.</summary>
/// <param name="EntryRate">Open a short when the funding rate is at or above this.</param>
/// <param name="ExitRate">Close the short when the funding rate is at or below this.</param>
/// <param name="OrderQuantity">The base quantity of the short.</param>
public sealed record FundingHarvestSettings(FundingRate EntryRate, FundingRate ExitRate, Quantity OrderQuantity)
{
    /// <summary>The strategy id that goes into every idempotency key.</summary>
    public const string StrategyId = "funding-harvest";

    /// <summary>The positions this strategy ever means to hold: from one short of <see cref="OrderQuantity"/> to flat.</summary>
    public PositionIntent Intent => new(new Amount(-OrderQuantity.Units), Amount.Zero);

    /// <summary>The settings' problems, one message each (empty when valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (OrderQuantity.IsZero)
        {
            problems.Add("Strategy:OrderQuantity must be greater than zero");
        }

        if (EntryRate < ExitRate)
        {
            problems.Add($"Strategy:EntryFundingRateBps ({EntryRate.ToBasisPointsString()}) must not be below Strategy:ExitFundingRateBps ({ExitRate.ToBasisPointsString()})");
        }

        return problems;
    }
}

/// <summary>What the strategy decided for one symbol in one cycle.</summary>
/// <param name="Side">The order's side; null when nothing is to be done.</param>
/// <param name="Quantity">The order's quantity.</param>
/// <param name="Leg">"open" or "close": part of the intent, so of the idempotency key.</param>
/// <param name="Reason">Why, for the audit log.</param>
public sealed record StrategyDecision(Side? Side, Quantity Quantity, string Leg, string Reason)
{
    /// <summary>True when an order is to be placed.</summary>
    public bool Trades => Side is not null;

    /// <summary>True for a close: it is sent reduce-only, so it can never open a position.</summary>
    public bool Closes => Leg == "close";

    /// <summary>Nothing to do.</summary>
    public static StrategyDecision Hold(string reason) => new(null, Quantity.Zero, "hold", reason);
}

/// <summary>
/// A funding-rate harvest, pure: when the rate is at or above the entry threshold and the position is flat,
/// open a short of the configured quantity with a market order; when short and the rate is at or below
/// the exit threshold, buy back the whole short. Otherwise hold.
/// </summary>
public static class FundingHarvestStrategy
{
    /// <summary>Decides for one symbol.</summary>
    public static StrategyDecision Decide(FundingHarvestSettings settings, FundingRate rate, Amount netPosition)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var bps = rate.ToBasisPointsString();
        if (netPosition.IsZero)
        {
            return rate >= settings.EntryRate
                ? new StrategyDecision(Side.Sell, settings.OrderQuantity, "open", $"funding {bps} bps >= entry {settings.EntryRate.ToBasisPointsString()} bps and flat: open short")
                : StrategyDecision.Hold($"funding {bps} bps below entry {settings.EntryRate.ToBasisPointsString()} bps and flat");
        }

        if (netPosition.Units < 0)
        {
            return rate <= settings.ExitRate
                ? new StrategyDecision(Side.Buy, new Quantity(-netPosition.Units), "close", $"funding {bps} bps <= exit {settings.ExitRate.ToBasisPointsString()} bps and short {netPosition}: close")
                : StrategyDecision.Hold($"funding {bps} bps above exit {settings.ExitRate.ToBasisPointsString()} bps: keep the short");
        }

        return StrategyDecision.Hold($"long {netPosition} is not this strategy's; left alone");
    }
}
