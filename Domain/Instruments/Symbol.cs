using TradingBot.Domain.Amounts;

namespace TradingBot.Domain.Instruments;

/// <summary>A trading symbol (BTCUSDT): 1 to 32 upper-case letters or digits.</summary>
public readonly record struct Symbol
{
    /// <summary>The longest symbol accepted.</summary>
    public const int MaxLength = 32;

    // Longest first, so FDUSD wins over USD.
    private static readonly string[] KnownQuoteAssets = ["FDUSD", "USDT", "USDC", "BUSD", "USD"];

    /// <summary>Creates a symbol, refusing anything but upper-case letters and digits.</summary>
    public Symbol(string value) => Value = Identifier.Require(value, MaxLength, "symbol");

    /// <summary>The symbol.</summary>
    public string Value { get; }

    /// <summary>
    /// The settlement (quote) asset when the symbol ends in a known stable quote (USDT, USDC, FDUSD, BUSD, USD);
    /// positions count fees and funding in this asset. Null when it cannot be told from the name.
    /// </summary>
    public Asset? QuoteAsset
    {
        get
        {
            foreach (var quote in KnownQuoteAssets)
            {
                if (Value.Length > quote.Length && Value.EndsWith(quote, StringComparison.Ordinal))
                {
                    return new Asset(quote);
                }
            }

            return null;
        }
    }

    /// <summary>Validates without throwing.</summary>
    public static bool TryCreate(string? value, out Symbol symbol, out string error)
    {
        symbol = default;
        if (!Identifier.IsValid(value, MaxLength, "symbol", out error))
        {
            return false;
        }

        symbol = new Symbol(value!);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}
