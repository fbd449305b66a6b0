using TradingBot.Application.Ports;

namespace TradingBot.Application.Tests.Fakes;

/// <summary>A clock that moves only when told.</summary>
public sealed class FixedClock(DateTimeOffset start) : IClock
{
    public DateTimeOffset UtcNow { get; private set; } = start;

    public void Advance(TimeSpan by) => UtcNow += by;

    public void Set(DateTimeOffset now) => UtcNow = now;
}
