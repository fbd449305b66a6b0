namespace TradingBot.Hosting;

/// <summary>A configuration value is wrong; the message names the setting and what is expected.</summary>
public sealed class TradingBotConfigurationException : Exception
{
    /// <summary>A wrong setting, described by <paramref name="message"/>.</summary>
    public TradingBotConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>A wrong setting, described by <paramref name="message"/>, found through <paramref name="innerException"/>.</summary>
    public TradingBotConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A wrong setting.</summary>
    public TradingBotConfigurationException()
        : base("a TradingBot setting is wrong")
    {
    }
}
