namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>
/// Binance's clock as this process estimates it: the local clock plus an offset measured with
/// <c>GET /fapi/v1/time</c> (server time minus the local midpoint of the round trip). Signed requests are
/// stamped with it, so a local clock that drifts does not get them refused with -1021.
/// </summary>
internal sealed class BinanceServerClock(TimeProvider time)
{
    /// <summary>How long a measured offset is trusted before it is measured again.</summary>
    public static readonly TimeSpan SyncLifetime = TimeSpan.FromMinutes(30);

    private readonly Lock _lock = new();
    private long _offsetMs;
    private DateTimeOffset? _syncedAt;

    /// <summary>The estimated server time in Unix milliseconds.</summary>
    public long NowMs
    {
        get
        {
            lock (_lock)
            {
                return time.GetUtcNow().ToUnixTimeMilliseconds() + _offsetMs;
            }
        }
    }

    /// <summary>The estimated server time.</summary>
    public DateTimeOffset Now => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);

    /// <summary>The measured offset (server minus local), in milliseconds.</summary>
    public long OffsetMs
    {
        get
        {
            lock (_lock)
            {
                return _offsetMs;
            }
        }
    }

    /// <summary>True before the first measurement and once <see cref="SyncLifetime"/> has passed since the last.</summary>
    public bool NeedsSync
    {
        get
        {
            lock (_lock)
            {
                return _syncedAt is not { } at || time.GetUtcNow() - at > SyncLifetime;
            }
        }
    }

    /// <summary>The local time to measure a round trip with.</summary>
    public DateTimeOffset LocalNow => time.GetUtcNow();

    /// <summary>Records a measurement: the server said <paramref name="serverTimeMs"/> between <paramref name="sentAt"/> and <paramref name="receivedAt"/>.</summary>
    public void Apply(long serverTimeMs, DateTimeOffset sentAt, DateTimeOffset receivedAt)
    {
        var midpoint = sentAt.ToUnixTimeMilliseconds() + ((receivedAt - sentAt).Ticks / TimeSpan.TicksPerMillisecond / 2);
        lock (_lock)
        {
            _offsetMs = serverTimeMs - midpoint;
            _syncedAt = receivedAt;
        }
    }
}
