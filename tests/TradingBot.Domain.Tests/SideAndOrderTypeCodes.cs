using TradingBot.Domain.Instruments;

namespace TradingBot.Domain.Tests;

public class SideAndOrderTypeCodes
{
    [TestCase(Side.Buy, "BUY")]
    [TestCase(Side.Sell, "SELL")]
    public void Each_side_round_trips_through_its_code(Side side, string code)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(side.ToCode(), Is.EqualTo(code));
            Assert.That(LedgerCodes.ParseSide(code), Is.EqualTo(side));
        }
    }

    [TestCase(OrderType.Market, "MARKET")]
    [TestCase(OrderType.Limit, "LIMIT")]
    [TestCase(OrderType.Ioc, "IOC")]
    [TestCase(OrderType.Fok, "FOK")]
    public void Each_order_type_round_trips_through_its_code(OrderType type, string code)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(type.ToCode(), Is.EqualTo(code));
            Assert.That(LedgerCodes.ParseOrderType(code), Is.EqualTo(type));
        }
    }

    [TestCase("buy")]
    [TestCase("LONG")]
    [TestCase(null)]
    public void An_unknown_side_code_throws_FormatException(string? code)
    {
        Assert.That(() => LedgerCodes.ParseSide(code), Throws.TypeOf<FormatException>());
    }

    [TestCase("limit")]
    [TestCase("GTC")]
    [TestCase(null)]
    public void An_unknown_order_type_code_throws_FormatException(string? code)
    {
        Assert.That(() => LedgerCodes.ParseOrderType(code), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void The_opposite_of_buy_is_sell_and_back()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Side.Buy.Opposite(), Is.EqualTo(Side.Sell));
            Assert.That(Side.Sell.Opposite(), Is.EqualTo(Side.Buy));
        }
    }

    [Test]
    public void A_buy_counts_positive_and_a_sell_negative()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Side.Buy.Sign(), Is.EqualTo(1));
            Assert.That(Side.Sell.Sign(), Is.EqualTo(-1));
        }
    }
}
