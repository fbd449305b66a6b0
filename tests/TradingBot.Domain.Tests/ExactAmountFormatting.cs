using TradingBot.Domain.Amounts;

namespace TradingBot.Domain.Tests;

public class ExactAmountFormatting
{
    [TestCase(6400010000000L, "64000.1")]
    [TestCase(-7819010L, "-0.0781901")]
    [TestCase(38246L, "0.00038246")]
    [TestCase(0L, "0")]
    [TestCase(100000000L, "1")]
    [TestCase(-100000000L, "-1")]
    [TestCase(1L, "0.00000001")]
    [TestCase(-1L, "-0.00000001")]
    [TestCase(150000000L, "1.5")]
    [TestCase(long.MaxValue, "92233720368.54775807")]
    [TestCase(long.MinValue, "-92233720368.54775808")]
    public void Format_gives_the_shortest_exact_text(long units, string expected)
    {
        Assert.That(FixedPoint.Format(units), Is.EqualTo(expected));
    }

    [Test]
    public void Long_MaxValue_units_round_trip_through_Format_and_Parse()
    {
        var text = FixedPoint.Format(long.MaxValue);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Is.EqualTo("92233720368.54775807"));
            Assert.That(FixedPoint.Parse(text), Is.EqualTo(long.MaxValue));
        }
    }

    [Test]
    public void Long_MinValue_units_round_trip_through_Format_and_Parse()
    {
        Assert.That(FixedPoint.Parse(FixedPoint.Format(long.MinValue)), Is.EqualTo(long.MinValue));
    }

    [Test]
    public void Any_units_round_trip_through_Format_and_Parse()
    {
        const int seed = 20240301;
        var random = new Random(seed);
        for (var i = 0; i < 5000; i++)
        {
            // Mix full-range values with small ones, which exercise trailing-zero trimming.
            var units = i % 2 == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : random.NextInt64(-1_000_000, 1_000_000) * 1000;
            var text = FixedPoint.Format(units);
            Assert.That(FixedPoint.Parse(text), Is.EqualTo(units), $"seed {seed}, iteration {i}: '{text}'");
        }
    }

    [Test]
    public void Formatted_text_never_ends_in_a_fractional_zero()
    {
        const int seed = 7;
        var random = new Random(seed);
        for (var i = 0; i < 2000; i++)
        {
            var text = FixedPoint.Format(random.NextInt64(-10_000_000_000, 10_000_000_000));
            if (text.Contains('.', StringComparison.Ordinal))
            {
                Assert.That(text, Does.Not.EndWith("0").And.Not.EndWith("."), $"seed {seed}, iteration {i}");
            }
        }
    }

    [Test]
    public void Price_and_Quantity_print_their_exact_text()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Price.Parse("64000.10").ToString(), Is.EqualTo("64000.1"));
            Assert.That(Quantity.Parse("0.00038246").ToString(), Is.EqualTo("0.00038246"));
        }
    }
}
