namespace TradingBot.Domain.Amounts;

/// <summary>A non-negative base-asset quantity in 1e-8 units (an order's or a fill's size).</summary>
public readonly record struct Quantity : IComparable<Quantity>
{
    /// <summary>Creates a quantity; negative units are refused.</summary>
    public Quantity(long units)
    {
        if (units < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(units), units, "a quantity cannot be negative");
        }

        Units = units;
    }

    /// <summary>The count of 1e-8 of the base asset.</summary>
    public long Units { get; }

    /// <summary>Zero.</summary>
    public static Quantity Zero => default;

    /// <summary>True when zero.</summary>
    public bool IsZero => Units == 0;

    /// <summary>Parses exact decimal text; negative values, more than 8 decimals and non-numbers are refused.</summary>
    public static Quantity Parse(string? text) =>
        TryParse(text, out var quantity, out var error) ? quantity : throw new FormatException(error);

    /// <summary>Parses exact decimal text, reporting the problem instead of throwing.</summary>
    public static bool TryParse(string? text, out Quantity quantity, out string error)
    {
        quantity = default;
        if (!FixedPoint.TryParse(text, out var units, out error))
        {
            return false;
        }

        if (units < 0)
        {
            error = $"'{text}' is negative; a quantity cannot be";
            return false;
        }

        quantity = new Quantity(units);
        return true;
    }

    /// <summary>Checked addition.</summary>
    public static Quantity operator +(Quantity left, Quantity right) => new(checked(left.Units + right.Units));

    /// <summary>Checked subtraction; a negative result is refused.</summary>
    public static Quantity operator -(Quantity left, Quantity right) => new(checked(left.Units - right.Units));

    /// <summary>Ordering.</summary>
    public static bool operator <(Quantity left, Quantity right) => left.Units < right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator >(Quantity left, Quantity right) => left.Units > right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Quantity left, Quantity right) => left.Units <= right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Quantity left, Quantity right) => left.Units >= right.Units;

    /// <inheritdoc />
    public int CompareTo(Quantity other) => Units.CompareTo(other.Units);

    /// <summary>Named alternative to the + operator.</summary>
    public static Quantity Add(Quantity left, Quantity right) => left + right;

    /// <summary>Named alternative to the - operator.</summary>
    public static Quantity Subtract(Quantity left, Quantity right) => left - right;

    /// <summary>The smaller of two quantities.</summary>
    public static Quantity Min(Quantity left, Quantity right) => left <= right ? left : right;

    /// <summary>Rounds down to a multiple of <paramref name="step"/> (an instrument's step size).</summary>
    public Quantity RoundDownTo(Quantity step) =>
        step.IsZero ? this : new Quantity(Units - (Units % step.Units));

    /// <summary>The exact decimal text.</summary>
    public override string ToString() => FixedPoint.Format(Units);
}
