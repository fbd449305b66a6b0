namespace TradingBot.Domain.Amounts;

/// <summary>An asset code such as USDT, BTC or BNB: 1 to 20 upper-case letters or digits.</summary>
public readonly record struct Asset
{
    /// <summary>The longest asset code accepted.</summary>
    public const int MaxLength = 20;

    /// <summary>Creates an asset code, refusing anything but 1 to 20 upper-case letters or digits.</summary>
    public Asset(string code)
    {
        Code = Identifier.Require(code, MaxLength, "asset");
    }

    /// <summary>The code.</summary>
    public string Code { get; }

    /// <summary>Validates without throwing.</summary>
    public static bool TryCreate(string? code, out Asset asset, out string error)
    {
        asset = default;
        if (!Identifier.IsValid(code, MaxLength, "asset", out error))
        {
            return false;
        }

        asset = new Asset(code!);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Code ?? string.Empty;
}

/// <summary>An exact signed amount of one asset (a fee, a funding payment, a balance).</summary>
/// <param name="Asset">The asset the amount is counted in.</param>
/// <param name="Amount">The signed 1e-8 amount.</param>
public readonly record struct Money(Asset Asset, Amount Amount)
{
    /// <summary>Parses "0.01" of <paramref name="asset"/> exactly.</summary>
    public static Money Parse(string? text, Asset asset) => new(asset, Amount.Parse(text));

    /// <summary>"-0.0781901 USDT".</summary>
    public override string ToString() => $"{Amount} {Asset}";
}
