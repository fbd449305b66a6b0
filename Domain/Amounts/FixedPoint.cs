using System.Globalization;

namespace TradingBot.Domain.Amounts;

/// <summary>
/// The ledger's one fixed scale: every amount (base quantity, quote price, fee, funding rate, PnL) is a
/// <see cref="long"/> count of 1e-8 of its unit. Parsing is exact, arithmetic is checked, and the one
/// rounding rule (<see cref="MultiplyRounded"/>, <see cref="DivideRounded"/>) is half away from zero.
/// </summary>
public static class FixedPoint
{
    /// <summary>Number of fractional decimal digits every amount carries.</summary>
    public const int Decimals = 8;

    /// <summary>Units per whole: 10^8.</summary>
    public const long Scale = 100_000_000;

    /// <summary>
    /// Parses a plain decimal string such as "0.00038246", "-0.07819010" or "64000.1" into 1e-8 units.
    /// Accepted: an optional leading '-', at least one digit, and optionally '.' followed by 1 to 8 digits.
    /// Refused (never rounded): more than 8 fractional digits, exponents, signs other than a leading '-',
    /// white space, empty text, and values outside the range of <see cref="long"/> units.
    /// </summary>
    /// <returns>True and the units, or false and a message naming the problem.</returns>
    public static bool TryParse(string? text, out long units, out string error)
    {
        units = 0;
        if (string.IsNullOrEmpty(text))
        {
            error = "an amount is required but the text is empty";
            return false;
        }

        var span = text.AsSpan();
        var negative = span[0] == '-';
        if (negative)
        {
            span = span[1..];
        }

        var dot = span.IndexOf('.');
        var whole = dot < 0 ? span : span[..dot];
        var fraction = dot < 0 ? ReadOnlySpan<char>.Empty : span[(dot + 1)..];

        if (whole.IsEmpty || !IsAllDigits(whole) || (dot >= 0 && (fraction.IsEmpty || !IsAllDigits(fraction))))
        {
            error = $"'{text}' is not a plain decimal number (digits, an optional leading '-' and one optional '.')";
            return false;
        }

        if (fraction.Length > Decimals)
        {
            error = $"'{text}' has {fraction.Length} fractional digits; the ledger keeps exactly {Decimals} and never rounds";
            return false;
        }

        Int128 value = 0;
        foreach (var c in whole)
        {
            value = (value * 10) + (c - '0');
            if (value > long.MaxValue)
            {
                error = $"'{text}' is out of range for the ledger's 1e-8 units";
                return false;
            }
        }

        value *= Scale;
        Int128 fractionUnits = 0;
        foreach (var c in fraction)
        {
            fractionUnits = (fractionUnits * 10) + (c - '0');
        }

        for (var i = fraction.Length; i < Decimals; i++)
        {
            fractionUnits *= 10;
        }

        value += fractionUnits;
        if (negative)
        {
            value = -value;
        }

        if (value > long.MaxValue || value < long.MinValue)
        {
            error = $"'{text}' is out of range for the ledger's 1e-8 units";
            return false;
        }

        units = (long)value;
        error = string.Empty;
        return true;
    }

    /// <summary>Parses like <see cref="TryParse"/> and throws <see cref="FormatException"/> naming the problem.</summary>
    public static long Parse(string? text) =>
        TryParse(text, out var units, out var error) ? units : throw new FormatException(error);

    /// <summary>Formats units as the shortest exact decimal text ("64000.1", "-0.0781901", "0").</summary>
    public static string Format(long units)
    {
        var negative = units < 0;
        var magnitude = negative ? -(Int128)units : units;
        var whole = magnitude / Scale;
        var fraction = (long)(magnitude % Scale);
        var text = whole.ToString(CultureInfo.InvariantCulture);
        if (fraction != 0)
        {
            text += "." + fraction.ToString("D8", CultureInfo.InvariantCulture).TrimEnd('0');
        }

        return negative ? "-" + text : text;
    }

    /// <summary>
    /// (a × b) / 10^8 computed in <see cref="Int128"/>, rounded half away from zero: the notional of a
    /// price and a quantity, or a rate applied to an amount. Throws <see cref="OverflowException"/> when the
    /// result does not fit the ledger's <see cref="long"/> units.
    /// </summary>
    public static long MultiplyRounded(long a, long b) => DivideRounded((Int128)a * b, Scale);

    /// <summary>
    /// numerator / denominator rounded half away from zero; throws <see cref="OverflowException"/> when the
    /// quotient does not fit a <see cref="long"/> and <see cref="DivideByZeroException"/> for a zero denominator.
    /// </summary>
    public static long DivideRounded(Int128 numerator, Int128 denominator)
    {
        if (denominator == 0)
        {
            throw new DivideByZeroException("the ledger cannot divide an amount by zero");
        }

        var quotient = Int128.DivRem(numerator, denominator);
        var twiceRemainder = Int128.Abs(quotient.Remainder) * 2;
        var result = quotient.Quotient;
        if (twiceRemainder >= Int128.Abs(denominator))
        {
            result += (numerator < 0) != (denominator < 0) ? -1 : 1;
        }

        if (result > long.MaxValue || result < long.MinValue)
        {
            throw new OverflowException("the result is out of range for the ledger's 1e-8 units");
        }

        return (long)result;
    }

    private static bool IsAllDigits(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
