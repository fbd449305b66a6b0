namespace TradingBot.Domain.Amounts;

/// <summary>A strictly positive price of one base unit in quote units, at 1e-8.</summary>
public readonly record struct Price : IComparable<Price>
{
    /// <summary>Creates a price; zero and negative units are refused.</summary>
    public Price(long units)
    {
        if (units <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(units), units, "a price must be greater than zero");
        }

        Units = units;
    }

    /// <summary>The count of 1e-8 of the quote asset per whole base unit.</summary>
    public long Units { get; }

    /// <summary>Parses exact decimal text; zero, negative values and more than 8 decimals are refused.</summary>
    public static Price Parse(string? text) =>
        TryParse(text, out var price, out var error) ? price : throw new FormatException(error);

    /// <summary>Parses exact decimal text, reporting the problem instead of throwing.</summary>
    public static bool TryParse(string? text, out Price price, out string error)
    {
        price = default;
        if (!FixedPoint.TryParse(text, out var units, out error))
        {
            return false;
        }

        if (units <= 0)
        {
            error = $"'{text}' is not a price: a price must be greater than zero";
            return false;
        }

        price = new Price(units);
        return true;
    }

    /// <summary>
    /// The quote value of <paramref name="quantity"/> at this price: price × quantity in <see cref="Int128"/>,
    /// rounded half away from zero to 1e-8 (the ledger's one rounding rule). Overflow throws.
    /// </summary>
    public Amount NotionalOf(Quantity quantity) => new(FixedPoint.MultiplyRounded(Units, quantity.Units));

    /// <summary>Rounds down to a multiple of <paramref name="tick"/> (an instrument's tick size); never below one tick.</summary>
    public Price RoundDownTo(Price tick)
    {
        var rounded = Units - (Units % tick.Units);
        return new Price(rounded == 0 ? tick.Units : rounded);
    }

    /// <summary>Ordering.</summary>
    public static bool operator <(Price left, Price right) => left.Units < right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator >(Price left, Price right) => left.Units > right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Price left, Price right) => left.Units <= right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Price left, Price right) => left.Units >= right.Units;

    /// <inheritdoc />
    public int CompareTo(Price other) => Units.CompareTo(other.Units);

    /// <summary>The exact decimal text.</summary>
    public override string ToString() => FixedPoint.Format(Units);
}
