using TradingBot.Application.Telemetry;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>
/// Times each attempt at Binance (inside the retry strategy, after the rate gate's wait) by endpoint and status: a 429 or
/// 418 is counted as rate limited. An attempt that got no answer is status 0.
/// </summary>
internal sealed class BinanceMetricsHandler(TradingBotMetrics metrics, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var endpoint = request.Options.TryGetValue(BinanceRequest.OptionsKey, out var described) ? described.Endpoint : $"{request.Method.Method} {request.RequestUri?.AbsolutePath}";
        var started = time.GetTimestamp();
        var status = 0;
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            status = (int)response.StatusCode;
            return response;
        }
        finally
        {
            metrics.ExchangeRequest(endpoint, status, time.GetElapsedTime(started));
        }
    }
}
