using TradingBot.Application.Trading;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Tests;

/// <summary>The funding-rate harvest decides from the rate and the net position alone.</summary>
public class FundingHarvestDecisions
{
    private static readonly FundingRate Entry = FundingRate.ParseBasisPoints("1");
    private static readonly FundingRate Exit = FundingRate.ParseBasisPoints("0.25");
    private static readonly Quantity OrderQuantity = Quantity.Parse("0.01");
    private static readonly FundingHarvestSettings Settings = new(Entry, Exit, OrderQuantity);
    private static readonly Amount Flat = Amount.Zero;

    private static StrategyDecision Decide(FundingRate rate, Amount netPosition) =>
        FundingHarvestStrategy.Decide(Settings, rate, netPosition);

    [Test]
    public void Flat_with_the_rate_above_entry_sells_the_configured_quantity_as_the_open_leg()
    {
        var decision = Decide(FundingRate.ParseBasisPoints("3.8246"), Flat);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Trades, Is.True);
            Assert.That(decision.Side, Is.EqualTo(Side.Sell));
            Assert.That(decision.Quantity, Is.EqualTo(OrderQuantity));
            Assert.That(decision.Leg, Is.EqualTo("open"));
            Assert.That(decision.Reason, Does.Contain("3.8246").And.Contain("open short"));
        }
    }

    [Test]
    public void Flat_with_the_rate_exactly_at_entry_opens()
    {
        var decision = Decide(Entry, Flat);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Side, Is.EqualTo(Side.Sell));
            Assert.That(decision.Leg, Is.EqualTo("open"));
        }
    }

    [Test]
    public void Flat_with_the_rate_one_unit_below_entry_holds()
    {
        var decision = Decide(new FundingRate(Entry.Units - 1), Flat);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Trades, Is.False);
            Assert.That(decision.Side, Is.Null);
            Assert.That(decision.Quantity, Is.EqualTo(Quantity.Zero));
            Assert.That(decision.Leg, Is.EqualTo("hold"));
            Assert.That(decision.Reason, Does.Contain("below entry"));
        }
    }

    [Test]
    public void Short_with_the_rate_below_exit_buys_back_the_whole_short_as_the_close_leg()
    {
        // A short larger than the configured quantity (e.g. two opens) is closed entirely.
        var decision = Decide(FundingRate.ParseBasisPoints("-0.5"), Amount.Parse("-0.03"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Trades, Is.True);
            Assert.That(decision.Side, Is.EqualTo(Side.Buy));
            Assert.That(decision.Quantity, Is.EqualTo(Quantity.Parse("0.03")));
            Assert.That(decision.Leg, Is.EqualTo("close"));
        }
    }

    [Test]
    public void Short_with_the_rate_exactly_at_exit_closes()
    {
        var decision = Decide(Exit, Amount.Parse("-0.01"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Side, Is.EqualTo(Side.Buy));
            Assert.That(decision.Quantity, Is.EqualTo(Quantity.Parse("0.01")));
            Assert.That(decision.Leg, Is.EqualTo("close"));
        }
    }

    [Test]
    public void Short_with_the_rate_one_unit_above_exit_keeps_the_short()
    {
        var decision = Decide(new FundingRate(Exit.Units + 1), Amount.Parse("-0.01"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Trades, Is.False);
            Assert.That(decision.Leg, Is.EqualTo("hold"));
            Assert.That(decision.Reason, Does.Contain("keep the short"));
        }
    }

    [TestCase("3.8246")]
    [TestCase("0")]
    [TestCase("-2")]
    public void A_long_position_is_left_alone_whatever_the_rate(string rateBps)
    {
        var decision = Decide(FundingRate.ParseBasisPoints(rateBps), Amount.Parse("0.01"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Trades, Is.False);
            Assert.That(decision.Reason, Does.Contain("long"));
        }
    }

    [Test]
    public void Valid_settings_have_no_problems()
    {
        Assert.That(Settings.Problems(), Is.Empty);
    }

    [Test]
    public void Settings_with_entry_equal_to_exit_have_no_problems()
    {
        Assert.That(new FundingHarvestSettings(Exit, Exit, OrderQuantity).Problems(), Is.Empty);
    }

    [Test]
    public void An_entry_rate_below_the_exit_rate_is_reported_naming_both_settings_and_their_values()
    {
        var problems = new FundingHarvestSettings(Exit, Entry, OrderQuantity).Problems();

        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(
            problems[0],
            Does.Contain("Strategy:EntryFundingRateBps (0.25)").And.Contain("Strategy:ExitFundingRateBps (1)"));
    }

    [Test]
    public void A_zero_order_quantity_is_reported()
    {
        var problems = new FundingHarvestSettings(Entry, Exit, Quantity.Zero).Problems();

        Assert.That(problems, Is.EqualTo<string[]>(["Strategy:OrderQuantity must be greater than zero"]));
    }

    [Test]
    public void Every_problem_of_the_settings_is_reported_at_once()
    {
        var problems = new FundingHarvestSettings(Exit, Entry, Quantity.Zero).Problems();

        Assert.That(problems, Has.Count.EqualTo(2));
    }
}
