namespace TradingBot.Architecture.Tests.Violations;

/// <summary>Breaks the floating-point guard in plain sight: money as decimal in a property and a parameter.</summary>
public sealed class DecimalFee(decimal fee)
{
    /// <summary>The fee.</summary>
    public decimal Fee { get; } = fee;
}
