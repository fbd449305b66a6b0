namespace TradingBot.Host.Worker.Composition;

/// <summary>A configuration value is wrong; the message names the setting and what is expected.</summary>
internal sealed class HostConfigurationException(string message, Exception? innerException = null) : Exception(message, innerException);
