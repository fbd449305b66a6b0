namespace TradingBot.Application.Ports;

/// <summary>An exchange read could not be answered: unreachable, malformed answer, bad credentials or clock.</summary>
public class ExchangeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExchangeException()
    {
    }

    /// <summary>Creates the exception with a message naming the problem.</summary>
    public ExchangeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ExchangeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
