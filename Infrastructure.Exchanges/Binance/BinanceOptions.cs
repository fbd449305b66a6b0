using System.Globalization;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>
/// How to reach Binance USDⓈ-M futures: the configuration section <c>Exchange:Binance</c>. The API key
/// and secret never appear in <see cref="ToString"/>, in a validation message or in an exception.
/// </summary>
public sealed class BinanceOptions
{
    /// <summary>The production REST base URL.</summary>
    public const string ProductionBaseUrl = "https://fapi.binance.com";

    /// <summary>The futures testnet REST base URL.</summary>
    public const string TestnetBaseUrl = "https://testnet.binancefuture.com";

    /// <summary>Binance refuses a <c>recvWindow</c> above one minute.</summary>
    public const int MaxRecvWindowMs = 60_000;

    /// <summary><c>Exchange:Binance:BaseUrl</c>: HTTPS, or plain HTTP to a loopback address only.</summary>
    public string BaseUrl { get; set; } = ProductionBaseUrl;

    /// <summary><c>Exchange:Binance:ApiKey</c>, sent as the <c>X-MBX-APIKEY</c> header.</summary>
    public string ApiKey { get; set; } = string.Empty;

    /// <summary><c>Exchange:Binance:ApiSecret</c>, the HMAC-SHA256 key of every signed request; it never leaves the process.</summary>
    public string ApiSecret { get; set; } = string.Empty;

    /// <summary><c>Exchange:Binance:RecvWindowMs</c>: how long after its timestamp a signed request stays valid (1 to 60000, default 5000).</summary>
    public int RecvWindowMs { get; set; } = 5_000;

    /// <summary>The timeout of one HTTP attempt; a POST that times out has an unknown outcome.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a read (GET or DELETE) is retried after a transient failure; a POST never is.</summary>
    public int MaxReadRetries { get; set; } = 3;

    /// <summary>The first retry delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest a request waits for a 429/418 Retry-After or for the request weight to free up; beyond it the call fails at once.</summary>
    public TimeSpan MaxRateLimitWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The IP request-weight limit per minute until <c>/fapi/v1/exchangeInfo</c> says otherwise.</summary>
    public int RequestWeightLimitPerMinute { get; set; } = 2_400;

    /// <summary>Entries asked for per page of trades and funding income: Binance's maximum, 1000 (the simulator pages with fewer).</summary>
    internal int PageLimit { get; set; } = 1_000;

    /// <summary>The base URL as a URI; call <see cref="Validate"/> first.</summary>
    internal Uri BaseUri => new(BaseUrl.TrimEnd('/') + "/", UriKind.Absolute);

    /// <summary>Every problem with these options, each naming its setting (never a key's value); empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"Exchange:Binance:BaseUrl '{BaseUrl}' is not an absolute http(s) URL (production: {ProductionBaseUrl}, testnet: {TestnetBaseUrl})");
        }
        else if (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback)
        {
            problems.Add($"Exchange:Binance:BaseUrl '{BaseUrl}' is not HTTPS; plain HTTP is allowed only to a loopback address (a local test server)");
        }
        else if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || uri.AbsolutePath != "/")
        {
            problems.Add($"Exchange:Binance:BaseUrl '{BaseUrl}' must be a bare scheme://host[:port] without a path, query or credentials");
        }

        CheckCredential(ApiKey, "Exchange:Binance:ApiKey", problems);
        CheckCredential(ApiSecret, "Exchange:Binance:ApiSecret", problems);
        if (RecvWindowMs is < 1 or > MaxRecvWindowMs)
        {
            problems.Add($"Exchange:Binance:RecvWindowMs is {RecvWindowMs.ToString(CultureInfo.InvariantCulture)}; expected 1 to {MaxRecvWindowMs.ToString(CultureInfo.InvariantCulture)} (5000 recommended)");
        }

        if (AttemptTimeout <= TimeSpan.Zero || AttemptTimeout > TimeSpan.FromMinutes(5))
        {
            problems.Add($"the Binance attempt timeout {AttemptTimeout} must be positive and at most 5 minutes");
        }

        if (MaxReadRetries is < 0 or > 10)
        {
            problems.Add($"the Binance read retry count {MaxReadRetries.ToString(CultureInfo.InvariantCulture)} must be 0 to 10");
        }

        if (RetryBaseDelay <= TimeSpan.Zero || MaxRateLimitWait < TimeSpan.Zero)
        {
            problems.Add("the Binance retry delay must be positive and the longest rate-limit wait cannot be negative");
        }

        if (RequestWeightLimitPerMinute < 1)
        {
            problems.Add("the Binance request weight limit per minute must be positive");
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem <see cref="Validate"/> finds.</summary>
    public void EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("The Binance exchange is misconfigured: " + string.Join("; ", problems) + ".");
        }
    }

    /// <summary>A copy, so a registered adapter does not change when the caller's instance does.</summary>
    internal BinanceOptions Clone() => (BinanceOptions)MemberwiseClone();

    /// <summary>The settings with the key and secret redacted.</summary>
    public override string ToString() =>
        $"BinanceOptions {{ BaseUrl = {BaseUrl}, ApiKey = {Redacted(ApiKey)}, ApiSecret = {Redacted(ApiSecret)}, RecvWindowMs = {RecvWindowMs.ToString(CultureInfo.InvariantCulture)} }}";

    private static string Redacted(string value) => string.IsNullOrEmpty(value) ? "(not set)" : "***";

    private static void CheckCredential(string? value, string setting, List<string> problems)
    {
        if (string.IsNullOrEmpty(value))
        {
            problems.Add($"{setting} is required (create a key in the Binance API management page, or on the futures testnet)");
        }
        else if (value.Length > 512 || value.Any(c => c is <= ' ' or > '~'))
        {
            problems.Add($"{setting} contains white space or characters an API credential cannot have (its value is not shown)");
        }
    }
}
