using TradingBot.Domain.Amounts;

namespace TradingBot.Application.Trading;

/// <summary>
/// The net positions a strategy ever means to hold on a symbol, both ends included (the funding harvest: from one
/// short of its order quantity to flat). A position outside it (a late order adopted after it was judged never placed,
/// a trade by someone else) halts the symbol.
/// </summary>
/// <param name="Lowest">The most negative (shortest) net position intended.</param>
/// <param name="Highest">The most positive (longest) net position intended.</param>
public sealed record PositionIntent(Amount Lowest, Amount Highest)
{
    /// <summary>Any position: nothing is beyond intent.</summary>
    public static PositionIntent Any { get; } = new(new Amount(long.MinValue), new Amount(long.MaxValue));

    /// <summary>True when <paramref name="netPosition"/> is one the strategy means to hold.</summary>
    public bool Contains(Amount netPosition) => netPosition >= Lowest && netPosition <= Highest;

    /// <inheritdoc />
    public override string ToString() => $"{Lowest} to {Highest}";
}
