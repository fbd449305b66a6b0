using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>One REST call: where it goes, its parameters in order, whether it is signed and its IP request weight.</summary>
internal sealed record BinanceRequest(HttpMethod Method, string Path, BinanceParameters Parameters, bool Signed, int Weight)
{
    /// <summary>The key under which a request message carries its description to the handlers.</summary>
    public static readonly HttpRequestOptionsKey<BinanceRequest> OptionsKey = new("TradingBot.Binance.Request");

    /// <summary>"GET /fapi/v1/order", for messages.</summary>
    public string Endpoint => $"{Method.Method} {Path}";

    /// <summary>Parameters go in the body of a POST and in the query string otherwise.</summary>
    public bool InBody => Method == HttpMethod.Post;

    /// <summary>The latest moment (this host's clock) at which the request may be signed and sent; null: any time.</summary>
    public DateTimeOffset? NotAfter { get; init; }
}

/// <summary>
/// Holds a request back while Binance asks the adapter to wait, and learns the used weight and any
/// Retry-After from every response. It runs inside the retry strategy, so each attempt waits its turn.
/// </summary>
internal sealed class BinanceRateHandler(BinanceRateGate gate) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var weight = request.Options.TryGetValue(BinanceRequest.OptionsKey, out var described) ? described.Weight : 1;
        await gate.WaitTurnAsync(weight, cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        gate.Observe(response);
        return response;
    }
}

/// <summary>
/// Signs a request at the moment it is sent, attempt by attempt: <c>recvWindow</c> and <c>timestamp</c>
/// (the estimated server time) are appended to the parameters, the HMAC-SHA256 of query string + body is
/// appended as <c>signature</c>, and the key goes in the <c>X-MBX-APIKEY</c> header. A retried read is
/// therefore never refused for an old timestamp. A request past its <see cref="BinanceRequest.NotAfter"/> is not
/// signed and not sent (<see cref="BinanceNotSentException"/>): an order's send deadline holds up to the last moment.
/// </summary>
internal sealed class BinanceSigningHandler(BinanceOptions options, BinanceSigner signer, BinanceServerClock clock) : DelegatingHandler
{
    public const string ApiKeyHeader = "X-MBX-APIKEY";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(BinanceRequest.OptionsKey, out var described) && described.NotAfter is { } notAfter && clock.LocalNow > notAfter)
        {
            throw new BinanceNotSentException($"its send deadline {notAfter:O} passed before it could be signed; it was not sent");
        }

        if (described is { Signed: true })
        {
            var timing = $"recvWindow={options.RecvWindowMs.ToString(CultureInfo.InvariantCulture)}&timestamp={clock.NowMs.ToString(CultureInfo.InvariantCulture)}";
            var signed = described.Parameters.Encode(timing);
            var target = request.RequestUri!.GetLeftPart(UriPartial.Path);
            if (described.InBody)
            {
                var body = signed + "&signature=" + signer.Sign(string.Empty, signed);
                var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
                request.Content?.Dispose();
                request.Content = content;
                request.RequestUri = new Uri(target);
            }
            else
            {
                request.RequestUri = new Uri(target + "?" + signed + "&signature=" + signer.Sign(signed, string.Empty));
            }

            request.Headers.Remove(ApiKeyHeader);
            request.Headers.TryAddWithoutValidation(ApiKeyHeader, options.ApiKey);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
