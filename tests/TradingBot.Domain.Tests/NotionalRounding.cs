using TradingBot.Domain.Amounts;

namespace TradingBot.Domain.Tests;

public class NotionalRounding
{
    [Test]
    public void An_exact_notional_is_not_rounded()
    {
        // 64000.1 × 0.5 = 32000.05
        Assert.That(Price.Parse("64000.1").NotionalOf(Quantity.Parse("0.5")), Is.EqualTo(Amount.Parse("32000.05")));
    }

    [Test]
    public void A_realistic_notional_rounds_to_the_nearest_unit()
    {
        // 64000.12345678 × 0.00012345 = 7.900815240739491 → 7.90081524
        Assert.That(Price.Parse("64000.12345678").NotionalOf(Quantity.Parse("0.00012345")), Is.EqualTo(Amount.Parse("7.90081524")));
    }

    [TestCase("0.00000001", "0.5", 1L)] // 0.5 unit → 1
    [TestCase("0.00000003", "0.5", 2L)] // 1.5 units → 2
    [TestCase("0.00000005", "0.5", 3L)] // 2.5 units → 3 (not banker's 2)
    [TestCase("0.00000001", "0.50000001", 1L)] // 0.50000001 unit → 1
    public void A_half_unit_or_more_rounds_up(string price, string quantity, long expectedUnits)
    {
        Assert.That(Price.Parse(price).NotionalOf(Quantity.Parse(quantity)).Units, Is.EqualTo(expectedUnits));
    }

    [TestCase("0.00000001", "0.49999999", 0L)] // 0.49999999 unit → 0
    [TestCase("0.00000003", "0.49999999", 1L)] // 1.49999997 units → 1
    public void Less_than_half_a_unit_rounds_down(string price, string quantity, long expectedUnits)
    {
        Assert.That(Price.Parse(price).NotionalOf(Quantity.Parse(quantity)).Units, Is.EqualTo(expectedUnits));
    }

    [TestCase(-1L, 50_000_000L, -1L)] // -0.5 unit → -1
    [TestCase(-3L, 50_000_000L, -2L)] // -1.5 units → -2
    [TestCase(-5L, 50_000_000L, -3L)] // -2.5 units → -3
    [TestCase(1L, -50_000_000L, -1L)] // sign on the other operand
    [TestCase(-1L, 49_999_999L, 0L)] // -0.49999999 unit → 0
    [TestCase(-3L, 49_999_999L, -1L)] // -1.49999997 units → -1
    [TestCase(-1L, -50_000_000L, 1L)] // +0.5 unit → 1
    public void A_negative_half_unit_rounds_away_from_zero(long a, long b, long expected)
    {
        Assert.That(FixedPoint.MultiplyRounded(a, b), Is.EqualTo(expected));
    }

    [Test]
    public void The_product_is_computed_in_Int128_so_a_large_intermediate_does_not_overflow()
    {
        // 100000 × 1000: the raw product 1e13 × 1e11 = 1e24 units² overflows a long; the result 1e8 fits.
        Assert.That(Price.Parse("100000").NotionalOf(Quantity.Parse("1000")), Is.EqualTo(Amount.Parse("100000000")));
    }

    [Test]
    public void A_notional_beyond_the_ledger_range_throws_OverflowException()
    {
        Assert.That(() => new Price(long.MaxValue).NotionalOf(Quantity.Parse("2")), Throws.TypeOf<OverflowException>());
    }

    [Test]
    public void The_largest_price_times_one_whole_unit_is_exact()
    {
        Assert.That(new Price(long.MaxValue).NotionalOf(Quantity.Parse("1")).Units, Is.EqualTo(long.MaxValue));
    }

    [Test]
    public void A_zero_quantity_has_a_zero_notional()
    {
        Assert.That(Price.Parse("64000.1").NotionalOf(Quantity.Zero), Is.EqualTo(Amount.Zero));
    }

    [Test]
    public void MultiplyRounded_agrees_with_decimal_arithmetic_rounded_half_away_from_zero()
    {
        const int seed = 4242;
        var random = new Random(seed);
        for (var i = 0; i < 20_000; i++)
        {
            // |a|, |b| < 1e13 keep a × b below 1e26, which decimal holds exactly.
            var a = random.NextInt64(-10_000_000_000_000, 10_000_000_000_000);
            var b = random.NextInt64(-10_000_000_000_000, 10_000_000_000_000);
            var expected = (long)Math.Round((decimal)a * b / FixedPoint.Scale, MidpointRounding.AwayFromZero);
            Assert.That(FixedPoint.MultiplyRounded(a, b), Is.EqualTo(expected), $"seed {seed}, iteration {i}: {a} × {b}");
        }
    }

    [Test]
    public void MultiplyRounded_agrees_with_decimal_arithmetic_on_exact_half_units()
    {
        // b = k × 0.5e8 makes every product with an odd a land exactly on a half unit.
        const int seed = 99;
        var random = new Random(seed);
        for (var i = 0; i < 5_000; i++)
        {
            var a = (random.NextInt64(-1_000_000, 1_000_000) * 2) + 1;
            var b = random.NextInt64(-1_000, 1_000) * 50_000_000;
            var expected = (long)Math.Round((decimal)a * b / FixedPoint.Scale, MidpointRounding.AwayFromZero);
            Assert.That(FixedPoint.MultiplyRounded(a, b), Is.EqualTo(expected), $"seed {seed}, iteration {i}: {a} × {b}");
        }
    }
}
