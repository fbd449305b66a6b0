using TradingBot.Application.Ports;

namespace TradingBot.Infrastructure.Persistence;

/// <summary>The system clock, in UTC.</summary>
public sealed class SystemClock(TimeProvider time) : IClock
{
    /// <summary>Uses <see cref="TimeProvider.System"/>.</summary>
    public SystemClock()
        : this(TimeProvider.System)
    {
    }

    /// <inheritdoc />
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
