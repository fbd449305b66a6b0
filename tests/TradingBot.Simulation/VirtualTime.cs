using Microsoft.Extensions.Time.Testing;
using TradingBot.Application.Ports;

namespace TradingBot.Simulation;

/// <summary>
/// The simulation's clock: a <see cref="FakeTimeProvider"/> whose timers fire as soon as they are made, the clock moving
/// on to their due time. The simulation has one thread of control, so whatever waits on this clock (the ledger's retry
/// back-off, a delay of the exchange, the Binance rate gate) waits virtually: time passes, no real second does. A timer
/// that cancels a token (a timeout: its state is the <see cref="CancellationTokenSource"/>) is a deadline, not a wait: it
/// fires only if virtual time reaches it otherwise.
/// </summary>
internal sealed class VirtualTime(DateTimeOffset start, Action<TimeSpan> waited) : FakeTimeProvider(start)
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan && state is not CancellationTokenSource)
        {
            waited(dueTime);
            Advance(dueTime);
        }

        return timer;
    }
}

/// <summary>A worker's clock: the simulation's, off by a fixed offset (the exchange keeps the simulation's own).</summary>
internal sealed class OffsetClock(TimeProvider time, TimeSpan offset) : IClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow() + offset;
}

/// <summary>
/// A host's clock hours off the simulation's (the exchange's): its time is shifted, its timers and timestamps are the
/// simulation's, so waits still pass virtually.
/// </summary>
internal sealed class OffsetTimeProvider(TimeProvider time, TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => time.GetUtcNow() + offset;

    public override TimeZoneInfo LocalTimeZone => time.LocalTimeZone;

    public override long TimestampFrequency => time.TimestampFrequency;

    public override long GetTimestamp() => time.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        time.CreateTimer(callback, state, dueTime, period);
}
