using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TradingBot.Domain.Instruments;

namespace TradingBot.Domain.Orders;

/// <summary>
/// What a strategy decided to do, identified by who decided (strategy), where (exchange, symbol), when
/// (the decision's time slot) and which part of the decision (leg). Deciding the same thing again in the
/// same slot is the same intent, and so gets the same <see cref="IdempotencyKey"/>.
/// </summary>
public sealed record TradingIntent
{
    /// <summary>Creates an intent; the strategy id and leg are lower-case letters, digits and '-', 1 to 32 long.</summary>
    public TradingIntent(string strategyId, ExchangeName exchange, Symbol symbol, DateTimeOffset decisionSlot, string leg)
    {
        StrategyId = RequireToken(strategyId, nameof(strategyId));
        Leg = RequireToken(leg, nameof(leg));
        Exchange = exchange;
        Symbol = symbol;
        DecisionSlot = decisionSlot.ToUniversalTime();
    }

    /// <summary>The strategy that decided.</summary>
    public string StrategyId { get; }

    /// <summary>The exchange traded on.</summary>
    public ExchangeName Exchange { get; }

    /// <summary>The symbol traded.</summary>
    public Symbol Symbol { get; }

    /// <summary>The start of the time slot in which the decision was made (UTC).</summary>
    public DateTimeOffset DecisionSlot { get; }

    /// <summary>Which part of the decision: "open", "close", "hedge"...</summary>
    public string Leg { get; }

    private static string RequireToken(string value, string name)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 32 ||
            !value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"{name} '{value}' must be 1 to 32 lower-case letters, digits or '-'", name);
        }

        return value;
    }
}

/// <summary>
/// The key that makes an order creation idempotent. It is derived from the <see cref="TradingIntent"/>,
/// never random per attempt, so a retry of the same decision finds the order the first attempt wrote.
/// It is also a valid Binance client order id (<c>^[.A-Z:/a-z0-9_-]{1,36}$</c>): the exchange adapter
/// sends it as <c>newClientOrderId</c>. An order the ledger did not place is keyed
/// <c>EXT:&lt;exchange&gt;:&lt;symbol&gt;:&lt;exchange order id&gt;</c> (<see cref="External"/>): such a key is never sent.
/// </summary>
public readonly record struct IdempotencyKey
{
    /// <summary>The longest key Binance accepts as a client order id.</summary>
    public const int MaxLength = 36;

    /// <summary>The longest key of an external order.</summary>
    public const int MaxExternalLength = 128;

    /// <summary>What every external order's key starts with.</summary>
    public const string ExternalPrefix = "EXT:";

    /// <summary>Wraps an existing key (read back from the ledger or the exchange), refusing invalid text.</summary>
    public IdempotencyKey(string value)
    {
        if (!IsValid(value, out var error))
        {
            throw new ArgumentException(error, nameof(value));
        }

        Value = value;
    }

    /// <summary>The key text.</summary>
    public string Value { get; }

    /// <summary>True for the key of an order the ledger did not place: it is never sent to an exchange.</summary>
    public bool IsExternal => Value is not null && Value.StartsWith(ExternalPrefix, StringComparison.Ordinal);

    /// <summary>
    /// The key of an order the ledger did not place: "EXT:&lt;exchange&gt;:&lt;symbol&gt;:&lt;exchange order id&gt;". The
    /// exchange's order id, not its client id, identifies it: Binance reuses client ids such as <c>adl_autoclose</c>.
    /// </summary>
    public static IdempotencyKey External(ExchangeName exchange, Symbol symbol, string exchangeOrderId)
    {
        ArgumentException.ThrowIfNullOrEmpty(exchangeOrderId);
        return new IdempotencyKey($"{ExternalPrefix}{exchange.Value}:{symbol.Value}:{exchangeOrderId}");
    }

    /// <summary>
    /// "tb-" followed by the first 32 hex digits of SHA-256 over the intent's canonical text
    /// (strategy, exchange, symbol, slot in Unix milliseconds, leg): 35 characters, deterministic.
    /// </summary>
    public static IdempotencyKey For(TradingIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var canonical = string.Join(
            '|',
            "v1",
            intent.StrategyId,
            intent.Exchange.Value,
            intent.Symbol.Value,
            intent.DecisionSlot.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            intent.Leg);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonical));
        return new IdempotencyKey("tb-" + Convert.ToHexStringLower(hash)[..32]);
    }

    /// <summary>Checks the Binance client order id rule (for an external key: the same characters, up to <see cref="MaxExternalLength"/>).</summary>
    public static bool IsValid(string? value, out string error)
    {
        var external = value is not null && value.StartsWith(ExternalPrefix, StringComparison.Ordinal);
        var longest = external ? MaxExternalLength : MaxLength;
        if (string.IsNullOrEmpty(value) || value.Length > longest || (external && value.Length == ExternalPrefix.Length))
        {
            error = $"idempotency key '{value}' must be 1 to {longest} characters";
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or ':' or '/' or '_' or '-'))
            {
                error = $"idempotency key '{value}' may contain only letters, digits and . : / _ -";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}
