using TradingBot.Domain.Amounts;

namespace TradingBot.Domain.Tests;

public class QuantityAndPriceBounds
{
    [Test]
    public void Quantity_Parse_refuses_a_negative_quantity_naming_the_problem()
    {
        Assert.That(() => Quantity.Parse("-1"), Throws.TypeOf<FormatException>().With.Message.Contains("negative"));
    }

    [Test]
    public void Quantity_constructor_refuses_negative_units()
    {
        Assert.That(() => new Quantity(-1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Quantity_accepts_zero()
    {
        Assert.That(Quantity.Parse("0").IsZero, Is.True);
    }

    [Test]
    public void Quantity_TryParse_reports_a_negative_quantity_without_throwing()
    {
        var ok = Quantity.TryParse("-0.5", out var quantity, out var error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.False);
            Assert.That(quantity, Is.EqualTo(Quantity.Zero));
            Assert.That(error, Does.Contain("negative"));
        }
    }

    [Test]
    public void Quantity_subtraction_below_zero_is_refused()
    {
        Assert.That(() => Quantity.Parse("1") - Quantity.Parse("1.00000001"), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Quantity_addition_that_overflows_throws()
    {
        Assert.That(() => new Quantity(long.MaxValue) + new Quantity(1), Throws.TypeOf<OverflowException>());
    }

    [TestCase("0")]
    [TestCase("-0")]
    [TestCase("-1")]
    [TestCase("-0.00000001")]
    public void Price_Parse_refuses_zero_and_negative_prices(string text)
    {
        Assert.That(() => Price.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contains("greater than zero"));
    }

    [TestCase(0L)]
    [TestCase(-1L)]
    [TestCase(long.MinValue)]
    public void Price_constructor_refuses_zero_and_negative_units(long units)
    {
        Assert.That(() => new Price(units), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Price_accepts_the_smallest_positive_unit()
    {
        Assert.That(Price.Parse("0.00000001").Units, Is.EqualTo(1L));
    }

    [Test]
    public void Price_TryParse_reports_zero_without_throwing()
    {
        var ok = Price.TryParse("0", out _, out var error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.False);
            Assert.That(error, Does.Contain("greater than zero"));
        }
    }

    [Test]
    public void Price_RoundDownTo_rounds_down_to_a_whole_tick()
    {
        Assert.That(Price.Parse("64000.17").RoundDownTo(Price.Parse("0.1")), Is.EqualTo(Price.Parse("64000.1")));
    }

    [Test]
    public void Price_RoundDownTo_never_goes_below_one_tick()
    {
        Assert.That(Price.Parse("0.05").RoundDownTo(Price.Parse("0.1")), Is.EqualTo(Price.Parse("0.1")));
    }

    [Test]
    public void Quantity_RoundDownTo_rounds_down_to_a_whole_step()
    {
        Assert.That(Quantity.Parse("0.123456").RoundDownTo(Quantity.Parse("0.001")), Is.EqualTo(Quantity.Parse("0.123")));
    }
}
