using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace TradingBot.Simulation;

/// <summary>
/// The wire between a worker's Binance adapter and the in-process Binance server: it puts each request and its status in
/// the trace, and refuses some with HTTP 429 and a Retry-After before the server processes them (the run's
/// <see cref="BinanceFaults"/>), as Binance does when an IP sends too much.
/// </summary>
internal sealed class SimulatedHttp(Simulation simulation, Func<SimulatedWorker?> worker, BinanceFaults faults, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var what = $"http {request.Method.Method} {request.RequestUri!.AbsolutePath}";
        if (simulation.Roll(faults.RateLimitPercent, 100))
        {
            var wait = TimeSpan.FromSeconds(simulation.Draw(1, 61));
            var refused = new HttpResponseMessage((HttpStatusCode)429)
            {
                RequestMessage = request,
                Content = new StringContent("""{"code":-1003,"msg":"Too many requests; current limit of IP is 2400 requests per minute."}"""),
            };
            if (faults.RetryAfterAsDate)
            {
                // Whole seconds, as an HTTP date has them; the server's Date goes with it.
                var now = time.GetUtcNow();
                var date = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
                refused.Headers.Date = date;
                refused.Headers.RetryAfter = new RetryConditionHeaderValue(date + wait);
            }
            else
            {
                refused.Headers.RetryAfter = new RetryConditionHeaderValue(wait);
            }

            simulation.Trace(worker(), $"{what} -> 429, Retry-After {wait.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s{(faults.RetryAfterAsDate ? " (a date)" : string.Empty)}");
            return refused;
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        simulation.Trace(worker(), $"{what} -> {(int)response.StatusCode}");
        return response;
    }
}
