using TradingBot.Domain.Amounts;

namespace TradingBot.Domain.Tests;

public class CheckedArithmetic
{
    [Test]
    public void Adding_amounts_past_the_maximum_throws_instead_of_wrapping()
    {
        Assert.That(() => new Amount(long.MaxValue) + new Amount(1), Throws.TypeOf<OverflowException>());
    }

    [Test]
    public void Subtracting_amounts_past_the_minimum_throws_instead_of_wrapping()
    {
        Assert.That(() => new Amount(long.MinValue) - new Amount(1), Throws.TypeOf<OverflowException>());
    }

    [Test]
    public void Negating_the_minimum_amount_throws()
    {
        Assert.That(() => -new Amount(long.MinValue), Throws.TypeOf<OverflowException>());
    }

    [Test]
    public void The_absolute_value_of_the_minimum_amount_throws()
    {
        Assert.That(() => new Amount(long.MinValue).Abs(), Throws.TypeOf<OverflowException>());
    }

    [Test]
    public void Amount_arithmetic_within_range_is_exact()
    {
        var sum = Amount.Parse("0.1") + Amount.Parse("0.2");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(sum, Is.EqualTo(Amount.Parse("0.3")));
            Assert.That(Amount.Subtract(sum, Amount.Parse("0.30000001")), Is.EqualTo(Amount.Parse("-0.00000001")));
            Assert.That(Amount.Negate(Amount.Parse("-2.5")).Abs(), Is.EqualTo(Amount.Parse("2.5")));
        }
    }

    [Test]
    public void DivideRounded_by_zero_throws_DivideByZeroException()
    {
        Assert.That(() => FixedPoint.DivideRounded(1, 0), Throws.TypeOf<DivideByZeroException>());
    }

    [Test]
    public void DivideRounded_throws_when_the_quotient_does_not_fit_a_long()
    {
        Assert.That(() => FixedPoint.DivideRounded((Int128)long.MaxValue + 1, 1), Throws.TypeOf<OverflowException>());
    }

    [TestCase(7L, 2L, 4L)]
    [TestCase(-7L, 2L, -4L)]
    [TestCase(7L, -2L, -4L)]
    [TestCase(-7L, -2L, 4L)]
    [TestCase(5L, 2L, 3L)]
    [TestCase(5L, 3L, 2L)]
    [TestCase(4L, 3L, 1L)]
    [TestCase(-4L, 3L, -1L)]
    [TestCase(-5L, 3L, -2L)]
    [TestCase(6L, 3L, 2L)]
    [TestCase(0L, 3L, 0L)]
    public void DivideRounded_rounds_half_away_from_zero(long numerator, long denominator, long expected)
    {
        Assert.That(FixedPoint.DivideRounded(numerator, denominator), Is.EqualTo(expected));
    }
}
