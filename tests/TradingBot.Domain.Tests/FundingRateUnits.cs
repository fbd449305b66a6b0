using TradingBot.Domain.Amounts;

namespace TradingBot.Domain.Tests;

public class FundingRateUnits
{
    [Test]
    public void An_exchange_rate_string_parses_to_1e_8_units()
    {
        Assert.That(FundingRate.Parse("0.00038246").Units, Is.EqualTo(38246L));
    }

    [Test]
    public void A_rate_prints_in_basis_points_exactly()
    {
        Assert.That(FundingRate.Parse("0.00038246").ToBasisPointsString(), Is.EqualTo("3.8246"));
    }

    [Test]
    public void A_rate_prints_as_a_fraction_by_default()
    {
        Assert.That(FundingRate.Parse("0.00038246").ToString(), Is.EqualTo("0.00038246"));
    }

    [Test]
    public void Basis_points_text_parses_to_the_same_rate_as_the_fraction()
    {
        Assert.That(FundingRate.ParseBasisPoints("3.8246"), Is.EqualTo(FundingRate.Parse("0.00038246")));
    }

    [Test]
    public void A_negative_rate_in_basis_points_parses_and_prints()
    {
        var rate = FundingRate.ParseBasisPoints("-1");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rate, Is.EqualTo(FundingRate.Parse("-0.0001")));
            Assert.That(rate.ToBasisPointsString(), Is.EqualTo("-1"));
        }
    }

    [TestCase("3.82461")]
    [TestCase("-0.00001")]
    [TestCase("0.00000001")]
    public void Basis_points_with_more_than_four_decimals_are_refused(string text)
    {
        Assert.That(
            () => FundingRate.ParseBasisPoints(text),
            Throws.TypeOf<FormatException>().With.Message.Contains("more than 4 decimals"));
    }

    [Test]
    public void TryParseBasisPoints_reports_too_many_decimals_without_throwing()
    {
        var ok = FundingRate.TryParseBasisPoints("3.82461", out var rate, out var error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.False);
            Assert.That(rate, Is.EqualTo(default(FundingRate)));
            Assert.That(error, Does.Contain("more than 4 decimals"));
        }
    }

    [Test]
    public void Basis_points_that_are_not_a_number_are_refused()
    {
        Assert.That(() => FundingRate.ParseBasisPoints("3.8e2"), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void A_rate_round_trips_through_its_basis_points_text()
    {
        const int seed = 1234;
        var random = new Random(seed);
        for (var i = 0; i < 2000; i++)
        {
            var rate = new FundingRate(random.NextInt64(-10_000_000, 10_000_000));
            Assert.That(FundingRate.ParseBasisPoints(rate.ToBasisPointsString()), Is.EqualTo(rate), $"seed {seed}, iteration {i}: {rate}");
        }
    }

    [Test]
    public void Applying_a_rate_to_a_notional_gives_the_funding_due()
    {
        // 0.00038246 × 10000 = 3.8246
        Assert.That(FundingRate.Parse("0.00038246").ApplyTo(Amount.Parse("10000")), Is.EqualTo(Amount.Parse("3.8246")));
    }

    [Test]
    public void Applying_a_rate_rounds_half_away_from_zero()
    {
        // -0.00000001 × 0.5 = -0.000000005 → -0.00000001
        Assert.That(FundingRate.Parse("-0.00000001").ApplyTo(Amount.Parse("0.5")), Is.EqualTo(Amount.Parse("-0.00000001")));
    }

    [Test]
    public void Rates_order_by_their_units()
    {
        Assert.That(FundingRate.Parse("-0.0001"), Is.LessThan(FundingRate.Parse("0.00038246")));
    }
}
