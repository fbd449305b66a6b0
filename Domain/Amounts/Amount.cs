namespace TradingBot.Domain.Amounts;

/// <summary>
/// A signed exact amount in 1e-8 units of whatever it measures (PnL, a fee, a balance, a signed position).
/// Arithmetic is checked: an overflow throws, it never wraps.
/// </summary>
/// <param name="Units">The count of 1e-8 of the unit.</param>
public readonly record struct Amount(long Units) : IComparable<Amount>
{
    /// <summary>Zero.</summary>
    public static Amount Zero => default;

    /// <summary>Parses exact decimal text; see <see cref="FixedPoint.TryParse"/> for what is refused.</summary>
    public static Amount Parse(string? text) => new(FixedPoint.Parse(text));

    /// <summary>Parses exact decimal text, reporting the problem instead of throwing.</summary>
    public static bool TryParse(string? text, out Amount amount, out string error)
    {
        var ok = FixedPoint.TryParse(text, out var units, out error);
        amount = new Amount(units);
        return ok;
    }

    /// <summary>True when the amount is zero.</summary>
    public bool IsZero => Units == 0;

    /// <summary>The absolute value (checked: <see cref="long.MinValue"/> overflows).</summary>
    public Amount Abs() => new(checked(Math.Abs(Units)));

    /// <summary>Checked addition.</summary>
    public static Amount operator +(Amount left, Amount right) => new(checked(left.Units + right.Units));

    /// <summary>Checked subtraction.</summary>
    public static Amount operator -(Amount left, Amount right) => new(checked(left.Units - right.Units));

    /// <summary>Checked negation.</summary>
    public static Amount operator -(Amount value) => new(checked(-value.Units));

    /// <summary>Ordering.</summary>
    public static bool operator <(Amount left, Amount right) => left.Units < right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator >(Amount left, Amount right) => left.Units > right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Amount left, Amount right) => left.Units <= right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Amount left, Amount right) => left.Units >= right.Units;

    /// <inheritdoc />
    public int CompareTo(Amount other) => Units.CompareTo(other.Units);

    /// <summary>Named alternative to the + operator.</summary>
    public static Amount Add(Amount left, Amount right) => left + right;

    /// <summary>Named alternative to the - operator.</summary>
    public static Amount Subtract(Amount left, Amount right) => left - right;

    /// <summary>Named alternative to unary minus.</summary>
    public static Amount Negate(Amount value) => -value;

    /// <summary>The exact decimal text, e.g. "-0.0781901".</summary>
    public override string ToString() => FixedPoint.Format(Units);
}
