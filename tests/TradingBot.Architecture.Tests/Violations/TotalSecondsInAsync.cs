namespace TradingBot.Architecture.Tests.Violations;

/// <summary>Breaks the floating-point guard only through a called member's signature (TimeSpan.TotalSeconds), in an async method.</summary>
public static class TotalSecondsInAsync
{
    /// <summary>Waits, then says how many whole seconds it waited.</summary>
    public static async Task<long> WaitedSecondsAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        return (long)wait.TotalSeconds;
    }
}
