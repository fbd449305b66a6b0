namespace TradingBot.Domain.Time;

/// <summary>
/// Ledger timestamps are UTC with microsecond precision (what Postgres timestamptz keeps), so a value
/// written and read back is equal on every provider.
/// </summary>
public static class LedgerTime
{
    /// <summary>The smallest step between two distinct ledger times: one microsecond.</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromTicks(TimeSpan.TicksPerMicrosecond);

    /// <summary>Converts to UTC and truncates to whole microseconds.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }
}
