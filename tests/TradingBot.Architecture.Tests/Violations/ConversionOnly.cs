namespace TradingBot.Architecture.Tests.Violations;

/// <summary>Breaks the floating-point guard with no double in any signature, local or constant: only conv.r8 shows it.</summary>
public static class ConversionOnly
{
    /// <summary>A ratio computed in double.</summary>
    public static long Ratio(long numerator, long denominator) => (long)((double)numerator / denominator);
}
