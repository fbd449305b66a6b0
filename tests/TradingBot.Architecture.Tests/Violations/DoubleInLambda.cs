namespace TradingBot.Architecture.Tests.Violations;

/// <summary>Breaks the floating-point guard only inside a lambda: its signature is all long.</summary>
public static class DoubleInLambda
{
    /// <summary>Halves units through a double.</summary>
    public static Func<long, long> Halver() => units => (long)(units * 0.5);
}
