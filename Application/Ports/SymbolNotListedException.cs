namespace TradingBot.Application.Ports;

/// <summary>The exchange does not list the symbol (Binance: not in exchangeInfo, -1121): a configuration problem, not an outage.</summary>
public class SymbolNotListedException : ExchangeException
{
    /// <summary>Creates the exception.</summary>
    public SymbolNotListedException()
    {
    }

    /// <summary>Creates the exception with a message naming the symbol and the exchange.</summary>
    public SymbolNotListedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public SymbolNotListedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
