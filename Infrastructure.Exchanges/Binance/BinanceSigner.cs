using System.Security.Cryptography;
using System.Text;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>
/// Binance's HMAC-SHA256 request signature: the key is the API secret and the message is
/// <c>totalParams</c>, the query string immediately followed by the request body (no '&amp;' between
/// them), both exactly as sent. The result is lower-case hex. Pure: no clock, no I/O.
/// </summary>
public sealed class BinanceSigner
{
    private readonly byte[] _key;

    /// <summary>Creates a signer for an API secret.</summary>
    public BinanceSigner(string apiSecret)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiSecret);
        _key = Encoding.UTF8.GetBytes(apiSecret);
    }

    /// <summary>The signature of <c>queryString + requestBody</c>; a leading '?' on the query string is not part of it.</summary>
    public string Sign(string? queryString, string? requestBody)
    {
        var query = queryString is { Length: > 0 } && queryString[0] == '?' ? queryString[1..] : queryString ?? string.Empty;
        var totalParams = Encoding.UTF8.GetBytes(query + (requestBody ?? string.Empty));
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, totalParams));
    }

    /// <summary>True when <paramref name="signature"/> (in any letter case, as Binance accepts it) signs the parameters.</summary>
    public bool Verify(string? queryString, string? requestBody, string? signature) =>
        signature is { Length: 64 } &&
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(queryString, requestBody)),
            Encoding.ASCII.GetBytes(signature.ToLowerInvariant()));

    /// <summary>Never shows the secret.</summary>
    public override string ToString() => "BinanceSigner (HMAC-SHA256, secret redacted)";
}
