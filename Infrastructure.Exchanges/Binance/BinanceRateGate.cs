using System.Globalization;
using System.Net;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>
/// Keeps the adapter inside Binance's limits: it remembers the IP request weight used this minute
/// (<c>X-MBX-USED-WEIGHT-1M</c>) and a 429/418 <c>Retry-After</c>, and holds back the next request until the
/// weight frees up or the wait is over. A wait longer than <see cref="BinanceOptions.MaxRateLimitWait"/>
/// fails at once with <see cref="BinanceRateLimitedException"/>: nothing is sent while Binance bans the IP.
/// </summary>
internal sealed class BinanceRateGate(BinanceOptions options, BinanceServerClock clock, TimeProvider time)
{
    /// <summary>Share of the weight limit at which requests that carry weight wait for the next minute.</summary>
    private const int ThresholdPercent = 90;

    /// <summary>Binance sends Retry-After in seconds; without it a 429 waits this long and a 418 (a ban of at least two minutes) longer.</summary>
    private static readonly TimeSpan Default429Wait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Default418Wait = TimeSpan.FromMinutes(2);

    private readonly Lock _lock = new();
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;
    private string _blockReason = string.Empty;
    private int _usedWeight;
    private long _weightMinute = -1;
    private int _limit = options.RequestWeightLimitPerMinute;

    /// <summary>The last used weight Binance reported for the current minute.</summary>
    public int UsedWeight
    {
        get
        {
            lock (_lock)
            {
                return CurrentMinute() == _weightMinute ? _usedWeight : 0;
            }
        }
    }

    /// <summary>The weight limit per minute in force.</summary>
    public int WeightLimit
    {
        get
        {
            lock (_lock)
            {
                return _limit;
            }
        }
    }

    /// <summary>Adopts the REQUEST_WEIGHT per-minute limit that exchangeInfo publishes.</summary>
    public void SetWeightLimit(int limit)
    {
        if (limit > 0)
        {
            lock (_lock)
            {
                _limit = limit;
            }
        }
    }

    /// <summary>Waits until a request of <paramref name="weight"/> may be sent, or throws when that would take too long.</summary>
    public async ValueTask WaitTurnAsync(int weight, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        string reason;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            wait = _blockedUntil - now;
            reason = _blockReason;
            if (wait <= TimeSpan.Zero && weight > 0 && CurrentMinute() == _weightMinute && (long)(_usedWeight + weight) * 100 >= (long)_limit * ThresholdPercent)
            {
                var nextMinuteMs = (_weightMinute + 1) * 60_000;
                wait = TimeSpan.FromMilliseconds(nextMinuteMs - clock.NowMs + 50);
                reason = $"request weight {_usedWeight.ToString(CultureInfo.InvariantCulture)} of {_limit.ToString(CultureInfo.InvariantCulture)} used this minute";
            }
        }

        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        if (wait > options.MaxRateLimitWait)
        {
            throw new BinanceRateLimitedException($"{reason}; not sent: the next request is allowed in {((wait.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture)} s");
        }

        await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Learns from a response: the used weight, and a 429/418 with its Retry-After.</summary>
    public void Observe(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        lock (_lock)
        {
            if (response.Headers.TryGetValues("X-MBX-USED-WEIGHT-1M", out var values) &&
                int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var used))
            {
                _usedWeight = used;
                _weightMinute = CurrentMinute();
            }

            var status = (int)response.StatusCode;
            if (status is 429 or 418)
            {
                var retryAfter = RetryAfter(response, time.GetUtcNow()) ?? (status == 418 ? Default418Wait : Default429Wait);
                var until = time.GetUtcNow() + retryAfter;
                if (until > _blockedUntil)
                {
                    _blockedUntil = until;
                    _blockReason = status == 418
                        ? $"Binance has banned this IP (HTTP 418) for {(retryAfter.Ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture)} s after too many requests"
                        : $"Binance rate limit hit (HTTP 429); Retry-After {(retryAfter.Ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture)} s";
                }
            }
        }
    }

    /// <summary>
    /// The Retry-After of a response, in seconds or as a date. A date is the server's: it counts from the response's own
    /// Date header when there is one (so this host's clock being off does not change the wait), else from
    /// <paramref name="now"/> (this host's clock).
    /// </summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var delay = date - (response.Headers.Date ?? now);
            return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        }

        return null;
    }

    /// <summary>True for the status codes that mean "slow down": 429 and 418.</summary>
    public static bool IsRateLimit(HttpStatusCode status) => (int)status is 429 or 418;

    private long CurrentMinute() => clock.NowMs / 60_000;
}

/// <summary>A request was not sent because Binance asked the adapter to wait longer than it may.</summary>
internal sealed class BinanceRateLimitedException : Exception
{
    public BinanceRateLimitedException()
    {
    }

    public BinanceRateLimitedException(string message)
        : base(message)
    {
    }

    public BinanceRateLimitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
