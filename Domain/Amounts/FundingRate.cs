namespace TradingBot.Domain.Amounts;

/// <summary>
/// A perpetual funding rate as a signed fraction in 1e-8 units: 0.00038246 is 38246 units, i.e.
/// 3.8246 basis points. The ADR column <c>funding_rate_bps</c> stores exactly these units, which are
/// basis points × 10,000, because a real rate does not fit whole basis points.
/// </summary>
/// <param name="Units">The rate in 1e-8 (basis points × 10,000).</param>
public readonly record struct FundingRate(long Units) : IComparable<FundingRate>
{
    private const long UnitsPerBasisPoint = 10_000;

    /// <summary>Parses an exchange rate string such as "0.00038246" or "-0.0001" exactly.</summary>
    public static FundingRate Parse(string? text) => new(FixedPoint.Parse(text));

    /// <summary>Parses a rate written in basis points ("3.8246", "-1"); at most 4 decimals are exact.</summary>
    public static bool TryParseBasisPoints(string? text, out FundingRate rate, out string error)
    {
        rate = default;
        if (!FixedPoint.TryParse(text, out var units, out error))
        {
            return false;
        }

        // units are bps×1e8; the rate's units are bps×1e4, so the last four digits must be zero.
        if (units % UnitsPerBasisPoint != 0)
        {
            error = $"'{text}' basis points has more than 4 decimals; a funding rate is kept to 1e-8";
            return false;
        }

        rate = new FundingRate(units / UnitsPerBasisPoint);
        return true;
    }

    /// <summary>Parses basis points and throws <see cref="FormatException"/> naming the problem.</summary>
    public static FundingRate ParseBasisPoints(string? text) =>
        TryParseBasisPoints(text, out var rate, out var error) ? rate : throw new FormatException(error);

    /// <summary>The rate in basis points as exact text ("3.8246").</summary>
    public string ToBasisPointsString() => FixedPoint.Format(checked(Units * UnitsPerBasisPoint));

    /// <summary>The funding due on <paramref name="notional"/>: rate × notional, rounded half away from zero.</summary>
    public Amount ApplyTo(Amount notional) => new(FixedPoint.MultiplyRounded(Units, notional.Units));

    /// <summary>Ordering.</summary>
    public static bool operator <(FundingRate left, FundingRate right) => left.Units < right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator >(FundingRate left, FundingRate right) => left.Units > right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator <=(FundingRate left, FundingRate right) => left.Units <= right.Units;

    /// <summary>Ordering.</summary>
    public static bool operator >=(FundingRate left, FundingRate right) => left.Units >= right.Units;

    /// <inheritdoc />
    public int CompareTo(FundingRate other) => Units.CompareTo(other.Units);

    /// <summary>The rate as a fraction ("0.00038246").</summary>
    public override string ToString() => FixedPoint.Format(Units);
}
