namespace TradingBot.Domain.Instruments;

/// <summary>The name of an exchange (BINANCE, PAPER): 1 to 32 upper-case letters or digits.</summary>
public readonly record struct ExchangeName
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxLength = 32;

    /// <summary>Creates a name, refusing anything but upper-case letters and digits.</summary>
    public ExchangeName(string value) => Value = Identifier.Require(value, MaxLength, "exchange");

    /// <summary>The name.</summary>
    public string Value { get; }

    /// <summary>Validates without throwing.</summary>
    public static bool TryCreate(string? value, out ExchangeName name, out string error)
    {
        name = default;
        if (!Identifier.IsValid(value, MaxLength, "exchange", out error))
        {
            return false;
        }

        name = new ExchangeName(value!);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}
