namespace TradingBot.Application.Ports;

/// <summary>The time, as the ledger sees it. Adapters use the system clock; tests and the paper exchange may not.</summary>
public interface IClock
{
    /// <summary>Now, in UTC.</summary>
    DateTimeOffset UtcNow { get; }
}
