namespace TradingBot.Architecture.Tests.Violations;

/// <summary>Breaks the inner layers' rule only in a catch clause without a variable: no signature or local names the type.</summary>
public static class HttpFailureCaught
{
    /// <summary>Whether the call went through.</summary>
    public static bool Tries(Action call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            call();
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
