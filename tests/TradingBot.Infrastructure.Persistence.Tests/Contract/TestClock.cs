using TradingBot.Application.Ports;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>A clock that stands still.</summary>
public sealed class TestClock(DateTimeOffset now) : IClock
{
    public DateTimeOffset UtcNow => now;
}
