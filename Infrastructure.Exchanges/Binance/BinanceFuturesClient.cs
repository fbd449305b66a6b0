using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>An HTTP answer from Binance: its status, its body and, for an error, Binance's code and message.</summary>
internal sealed record BinanceResponse(BinanceRequest Request, HttpStatusCode Status, string Body, ErrorDto? Error, TimeSpan? RetryAfter)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public int? Code => Error?.Code;

    /// <summary>Where a redirect (3xx) pointed; the adapter never follows one.</summary>
    public Uri? RedirectTo { get; init; }

    /// <summary>"HTTP 400, Binance error -2013 Order does not exist."</summary>
    public string Summary => Error is { } error
        ? $"HTTP {((int)Status).ToString(CultureInfo.InvariantCulture)}, Binance error {error.Code.ToString(CultureInfo.InvariantCulture)} {error.Msg}"
        : (int)Status is >= 300 and < 400
            ? $"HTTP {((int)Status).ToString(CultureInfo.InvariantCulture)}, a redirect to {RedirectTo?.GetLeftPart(UriPartial.Path) ?? "(no Location)"} that was not followed (it would carry the API key to another address); check Exchange:Binance:BaseUrl"
            : $"HTTP {((int)Status).ToString(CultureInfo.InvariantCulture)} '{BinanceJson.Snippet(Body)}'";
}

/// <summary>A request was not sent: what had to happen first (reading the server time) failed.</summary>
internal sealed class BinanceNotSentException : Exception
{
    public BinanceNotSentException()
    {
    }

    public BinanceNotSentException(string message)
        : base(message)
    {
    }

    public BinanceNotSentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Sends REST calls through the named, resilient HTTP client and keeps the server-time offset: it is
/// measured before the first signed call and every <see cref="BinanceServerClock.SyncLifetime"/>, and a
/// -1021 (timestamp outside recvWindow, refused before execution) re-measures it and asks a read once more;
/// a POST is not sent again (its -1021 is the answer).
/// </summary>
internal sealed class BinanceFuturesClient(IHttpClientFactory httpClients, BinanceServerClock clock, ILogger logger) : IDisposable
{
    public const string HttpClientName = "TradingBot.Binance";

    private static readonly BinanceRequest ServerTime = new(HttpMethod.Get, "/fapi/v1/time", new BinanceParameters(), Signed: false, Weight: 1);
    private readonly SemaphoreSlim _sync = new(1, 1);

    public async Task<BinanceResponse> SendAsync(BinanceRequest request, CancellationToken cancellationToken)
    {
        if (request.Signed && clock.NeedsSync)
        {
            await SyncClockAsync(force: false, cancellationToken).ConfigureAwait(false);
        }

        var response = await SendOnceAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.Signed && response.Code == -1021)
        {
            BinanceLog.TimestampRefused(logger, request.Endpoint, clock.OffsetMs);
            await SyncClockAsync(force: true, cancellationToken).ConfigureAwait(false);

            // A read is asked again; an order is sent once only, and this one was refused before execution.
            if (request.Method != HttpMethod.Post)
            {
                response = await SendOnceAsync(request, cancellationToken).ConfigureAwait(false);
            }
        }

        return response;
    }

    /// <summary>Measures the server-time offset with GET /fapi/v1/time; a failure means the signed request that needed it is not sent.</summary>
    public async Task SyncClockAsync(bool force, CancellationToken cancellationToken)
    {
        await _sync.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!force && !clock.NeedsSync)
            {
                return;
            }

            var sentAt = clock.LocalNow;
            var response = await SendOnceAsync(ServerTime, cancellationToken).ConfigureAwait(false);
            var receivedAt = clock.LocalNow;
            if (!response.IsSuccess)
            {
                throw new BinanceNotSentException($"the server time could not be read ({ServerTime.Endpoint}: {response.Summary}), so the signed request was not sent");
            }

            var serverTime = BinanceJson.Read(response.Body, BinanceJsonContext.Default.ServerTimeDto).ServerTime;
            clock.Apply(serverTime, sentAt, receivedAt);
            BinanceLog.ClockSynchronised(logger, clock.OffsetMs, (receivedAt - sentAt).Ticks / TimeSpan.TicksPerMillisecond);
        }
        catch (BinanceWireException exception)
        {
            throw new BinanceNotSentException($"{ServerTime.Endpoint} answered something unreadable ({exception.Message}), so the signed request was not sent", exception);
        }
        catch (Exception exception) when (BinanceExchange.IsTransport(exception, cancellationToken) && exception is not BinanceNotSentException)
        {
            throw new BinanceNotSentException($"the server time could not be read from {ServerTime.Endpoint} ({BinanceExchange.DescribeTransport(exception)}), so the signed request was not sent", exception);
        }
        finally
        {
            _sync.Release();
        }
    }

    public void Dispose() => _sync.Dispose();

    private async Task<BinanceResponse> SendOnceAsync(BinanceRequest request, CancellationToken cancellationToken)
    {
        var target = request.Signed || request.Parameters.Count == 0 ? request.Path : request.Path + "?" + request.Parameters.Encode();
        using var message = new HttpRequestMessage(request.Method, new Uri(target, UriKind.Relative));
        message.Options.Set(BinanceRequest.OptionsKey, request);
        var client = httpClients.CreateClient(HttpClientName);
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var ok = (int)response.StatusCode is >= 200 and < 300;
        return new BinanceResponse(request, response.StatusCode, body, ok ? null : ReadError(body), BinanceRateGate.RetryAfter(response, clock.LocalNow))
        {
            RedirectTo = response.Headers.Location is { } location ? new Uri(message.RequestUri!, location) : null,
        };
    }

    private static ErrorDto? ReadError(string body)
    {
        if (!body.TrimStart().StartsWith('{'))
        {
            return null;
        }

        try
        {
            var error = BinanceJson.Read(body, BinanceJsonContext.Default.ErrorDto);
            return error.Code != 0 ? error : null;
        }
        catch (BinanceWireException)
        {
            return null;
        }
    }
}
