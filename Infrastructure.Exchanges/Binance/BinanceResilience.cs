using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>
/// The resilience pipeline of the Binance HTTP client, outermost first: retries of reads (never of a
/// POST) with jittered exponential backoff that honour Retry-After; a circuit breaker that stops calling
/// an exchange that keeps failing; and a timeout per attempt.
/// </summary>
internal static class BinanceResilience
{
    public const string PipelineName = "binance";

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, BinanceOptions options, TimeProvider time)
    {
        builder.TimeProvider = time; // back-off, breaks and attempt timeouts on the host's clock
        if (options.MaxReadRetries > 0)
        {
            var retry = new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxReadRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldRetryAfterHeader = false,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, options, time)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfterDelay(args.Outcome, time)),
            };

            // A POST that may have reached the matching engine is never sent again: its outcome is resolved by lookup.
            retry.DisableFor(HttpMethod.Post);
            builder.AddRetry(retry);
        }

        builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5, // Polly takes the breaker's threshold as a double: the float guard allows this member
            MinimumThroughput = 20,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(30),
            ShouldHandle = args => ValueTask.FromResult(IsExchangeFailure(args.Outcome)),
        });

        builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.AttemptTimeout });
    }

    /// <summary>Transient for a read: a lost connection, a timeout, 408, 5xx, and 429/418 whose Retry-After is short enough to wait.</summary>
    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, BinanceOptions options, TimeProvider time)
    {
        if (outcome.Exception is not null)
        {
            return outcome.Exception is HttpRequestException or TimeoutRejectedException;
        }

        var response = outcome.Result!;
        var status = (int)response.StatusCode;
        if (BinanceRateGate.IsRateLimit(response.StatusCode))
        {
            return (BinanceRateGate.RetryAfter(response, time.GetUtcNow()) ?? TimeSpan.FromSeconds(1)) <= options.MaxRateLimitWait;
        }

        return status >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout;
    }

    /// <summary>What counts against the exchange for the circuit breaker: lost connections, timeouts, 408 and 5xx (not a 4xx refusal).</summary>
    internal static bool IsExchangeFailure(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is HttpRequestException or TimeoutRejectedException ||
        (outcome.Result is { } response && ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout));

    private static TimeSpan? RetryAfterDelay(Outcome<HttpResponseMessage> outcome, TimeProvider time) =>
        outcome.Result is { } response && BinanceRateGate.IsRateLimit(response.StatusCode)
            ? BinanceRateGate.RetryAfter(response, time.GetUtcNow()) ?? TimeSpan.FromSeconds(1)
            : null;
}
