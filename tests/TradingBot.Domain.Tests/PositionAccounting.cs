using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Positions;
using static TradingBot.Domain.Tests.TestLedger;

namespace TradingBot.Domain.Tests;

public class PositionAccounting
{
    private static Position Flat() => Position.Flat(Binance, BtcUsdt);

    [Test]
    public void A_new_position_is_flat_with_nothing_counted()
    {
        var position = Flat();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(position.IsFlat, Is.True);
            Assert.That(position.NetQuantity, Is.EqualTo(Amount.Zero));
            Assert.That(position.EntryNotional, Is.EqualTo(Amount.Zero));
            Assert.That(position.AverageEntryPrice, Is.Null);
            Assert.That(position.FillCount, Is.Zero);
        }
    }

    [Test]
    public void A_buy_from_flat_opens_a_long_at_the_fill_price()
    {
        var position = Flat();

        var realized = position.ApplyFill(Side.Buy, Fill("0.5", "60000"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(realized, Is.EqualTo(Amount.Zero));
            Assert.That(position.NetQuantity, Is.EqualTo(A("0.5")));
            Assert.That(position.EntryNotional, Is.EqualTo(A("30000")));
            Assert.That(position.AverageEntryPrice, Is.EqualTo(P("60000")));
            Assert.That(position.IsShort, Is.False);
            Assert.That(position.FillCount, Is.EqualTo(1));
        }
    }

    [Test]
    public void Adding_to_a_long_adds_its_notional_and_averages_the_entry_price()
    {
        var position = Flat();
        position.ApplyFill(Side.Buy, Fill("0.5", "60000"));

        position.ApplyFill(Side.Buy, Fill("0.25", "64000"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(position.NetQuantity, Is.EqualTo(A("0.75")));
            Assert.That(position.EntryNotional, Is.EqualTo(A("46000"))); // 30000 + 16000
            Assert.That(position.AverageEntryPrice, Is.EqualTo(P("61333.33333333"))); // 46000 / 0.75
            Assert.That(position.RealizedPnl, Is.EqualTo(Amount.Zero));
        }
    }

    [Test]
    public void A_partial_close_realizes_the_exit_minus_the_released_share_of_entry()
    {
        var position = Flat();
        position.ApplyFill(Side.Buy, Fill("0.5", "60000"));
        position.ApplyFill(Side.Buy, Fill("0.25", "64000"));

        // Releases 46000 × 0.3 / 0.75 = 18400 of entry; the exit is 0.3 × 65000 = 19500.
        var realized = position.ApplyFill(Side.Sell, Fill("0.3", "65000"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(realized, Is.EqualTo(A("1100")));
            Assert.That(position.RealizedPnl, Is.EqualTo(A("1100")));
            Assert.That(position.NetQuantity, Is.EqualTo(A("0.45")));
            Assert.That(position.EntryNotional, Is.EqualTo(A("27600")));
            Assert.That(position.AverageEntryPrice, Is.EqualTo(P("61333.33333333")));
        }
    }

    [Test]
    public void A_full_close_releases_all_of_the_entry_and_leaves_the_position_flat()
    {
        var position = Flat();
        position.ApplyFill(Side.Buy, Fill("0.5", "60000"));
        position.ApplyFill(Side.Buy, Fill("0.25", "64000"));
        position.ApplyFill(Side.Sell, Fill("0.3", "65000"));

        // Releases the remaining 27600; the exit is 0.45 × 59000 = 26550.
        var realized = position.ApplyFill(Side.Sell, Fill("0.45", "59000"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(realized, Is.EqualTo(A("-1050")));
            Assert.That(position.RealizedPnl, Is.EqualTo(A("50")));
            Assert.That(position.IsFlat, Is.True);
            Assert.That(position.EntryNotional, Is.EqualTo(Amount.Zero));
            Assert.That(position.AverageEntryPrice, Is.Null);
            Assert.That(position.FillCount, Is.EqualTo(4));
        }
    }

    [Test]
    public void Closing_in_uneven_parts_rounds_each_release_but_leaves_no_drift_at_flat()
    {
        var position = Flat();
        position.ApplyFill(Side.Buy, Fill("0.7", "3.33333333")); // entry 2.333333331 → 2.33333333

        // Releases 2.33333333 × 1/7 → 0.03333333 and then 2.0 × 1/3 → 0.06666667: both rounded.
        var first = position.ApplyFill(Side.Sell, Fill("0.1", "4"));
        var second = position.ApplyFill(Side.Sell, Fill("0.2", "4"));
        var third = position.ApplyFill(Side.Sell, Fill("0.4", "4"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.EqualTo(A("0.06666667")));
            Assert.That(second, Is.EqualTo(A("0.13333333")));
            Assert.That(third, Is.EqualTo(A("0.26666667")));
            Assert.That(position.RealizedPnl, Is.EqualTo(A("0.46666667"))); // 2.8 − 2.33333333 exactly
            Assert.That(position.EntryNotional, Is.EqualTo(Amount.Zero));
            Assert.That(position.NetQuantity, Is.EqualTo(Amount.Zero));
        }
    }

    [Test]
    public void A_round_trip_at_one_price_realizes_exactly_zero()
    {
        var position = Flat();
        position.ApplyFill(Side.Buy, Fill("1", "10"));

        position.ApplyFill(Side.Sell, Fill("0.33333333", "10"));
        position.ApplyFill(Side.Sell, Fill("0.33333333", "10"));
        position.ApplyFill(Side.Sell, Fill("0.33333334", "10"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(position.RealizedPnl, Is.EqualTo(Amount.Zero));
            Assert.That(position.EntryNotional, Is.EqualTo(Amount.Zero));
            Assert.That(position.IsFlat, Is.True);
        }
    }

    [Test]
    public void A_sell_larger_than_a_long_flips_it_short_in_one_fill()
    {
        var position = Flat();
        position.ApplyFill(Side.Buy, Fill("1", "100"));

        // Closes 1 at 110 (realizes 10) and opens 2 short at 110.
        var realized = position.ApplyFill(Side.Sell, Fill("3", "110"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(realized, Is.EqualTo(A("10")));
            Assert.That(position.RealizedPnl, Is.EqualTo(A("10")));
            Assert.That(position.NetQuantity, Is.EqualTo(A("-2")));
            Assert.That(position.IsShort, Is.True);
            Assert.That(position.EntryNotional, Is.EqualTo(A("220")));
            Assert.That(position.AverageEntryPrice, Is.EqualTo(P("110")));
        }
    }

    [Test]
    public void A_buy_larger_than_a_short_flips_it_long_in_one_fill()
    {
        var position = Flat();
        position.ApplyFill(Side.Sell, Fill("2", "50"));

        // Covers 2 at 55 (loses 10) and opens 0.5 long at 55.
        var realized = position.ApplyFill(Side.Buy, Fill("2.5", "55"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(realized, Is.EqualTo(A("-10")));
            Assert.That(position.NetQuantity, Is.EqualTo(A("0.5")));
            Assert.That(position.EntryNotional, Is.EqualTo(A("27.5")));
            Assert.That(position.AverageEntryPrice, Is.EqualTo(P("55")));
        }
    }

    [Test]
    public void A_sell_from_flat_opens_a_short_with_a_positive_entry_notional()
    {
        var position = Flat();

        position.ApplyFill(Side.Sell, Fill("2", "50"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(position.NetQuantity, Is.EqualTo(A("-2")));
            Assert.That(position.IsShort, Is.True);
            Assert.That(position.EntryNotional, Is.EqualTo(A("100")));
            Assert.That(position.AverageEntryPrice, Is.EqualTo(P("50")));
        }
    }

    [Test]
    public void Covering_a_short_below_its_entry_realizes_a_profit()
    {
        var position = Flat();
        position.ApplyFill(Side.Sell, Fill("2", "50"));

        var realized = position.ApplyFill(Side.Buy, Fill("2", "40"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(realized, Is.EqualTo(A("20"))); // 100 − 80
            Assert.That(position.RealizedPnl, Is.EqualTo(A("20")));
            Assert.That(position.IsFlat, Is.True);
            Assert.That(position.EntryNotional, Is.EqualTo(Amount.Zero));
        }
    }

    [Test]
    public void Partly_covering_a_short_realizes_on_the_covered_part_only()
    {
        var position = Flat();
        position.ApplyFill(Side.Sell, Fill("2", "50"));

        var realized = position.ApplyFill(Side.Buy, Fill("0.5", "45"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(realized, Is.EqualTo(A("2.5"))); // released 25, paid 22.5
            Assert.That(position.NetQuantity, Is.EqualTo(A("-1.5")));
            Assert.That(position.EntryNotional, Is.EqualTo(A("75")));
        }
    }

    [Test]
    public void Fees_in_the_quote_asset_are_counted()
    {
        var position = Flat();

        position.ApplyFill(Side.Buy, Fill("0.5", "60000", fee: "0.03"));
        position.ApplyFill(Side.Sell, Fill("0.5", "60000", fee: "0.02"));

        Assert.That(position.FeesPaid, Is.EqualTo(A("0.05")));
    }

    [Test]
    public void Fees_in_another_asset_are_not_counted_but_the_fill_is()
    {
        var position = Flat();

        position.ApplyFill(Side.Buy, Fill("0.5", "60000", fee: "0.00021", feeAsset: Bnb));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(position.FeesPaid, Is.EqualTo(Amount.Zero));
            Assert.That(position.FillCount, Is.EqualTo(1));
            Assert.That(position.NetQuantity, Is.EqualTo(A("0.5")));
        }
    }

    [Test]
    public void A_negative_fee_is_a_rebate_that_reduces_fees_paid()
    {
        var position = Flat();

        position.ApplyFill(Side.Buy, Fill("0.5", "60000", fee: "0.03"));
        position.ApplyFill(Side.Sell, Fill("0.5", "60000", fee: "-0.01"));

        Assert.That(position.FeesPaid, Is.EqualTo(A("0.02")));
    }

    [Test]
    public void Rebates_alone_make_fees_paid_negative()
    {
        var position = Flat();

        position.ApplyFill(Side.Buy, Fill("0.5", "60000", fee: "-0.01"));

        Assert.That(position.FeesPaid, Is.EqualTo(A("-0.01")));
    }

    [Test]
    public void A_symbol_without_a_known_quote_counts_no_fees()
    {
        var position = Position.Flat(Binance, new Symbol("BTCXYZ"));

        position.ApplyFill(Side.Buy, Fill("0.5", "60000", fee: "0.03", feeAsset: new Asset("XYZ")));

        Assert.That(position.FeesPaid, Is.EqualTo(Amount.Zero));
    }

    [Test]
    public void Funding_payments_in_the_quote_asset_add_up_in_funding_received()
    {
        var position = Flat();

        position.ApplyFunding(Money.Parse("1.5", Usdt), T0);
        position.ApplyFunding(Money.Parse("-0.25", Usdt), T0.AddHours(8));

        Assert.That(position.FundingReceived, Is.EqualTo(A("1.25")));
    }

    [Test]
    public void Funding_in_another_asset_is_not_counted()
    {
        var position = Flat();

        position.ApplyFunding(Money.Parse("1.5", Bnb), T0);

        Assert.That(position.FundingReceived, Is.EqualTo(Amount.Zero));
    }

    [Test]
    public void Net_realized_is_realized_pnl_plus_funding_minus_fees()
    {
        var position = Flat();
        position.ApplyFill(Side.Buy, Fill("0.5", "60000", fee: "0.03"));
        position.ApplyFill(Side.Sell, Fill("0.5", "62000", fee: "0.02"));
        position.ApplyFunding(Money.Parse("1.25", Usdt), T0);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(position.RealizedPnl, Is.EqualTo(A("1000")));
            Assert.That(position.NetRealized, Is.EqualTo(A("1001.2"))); // 1000 + 1.25 − 0.05
        }
    }

    [Test]
    public void The_average_entry_price_rounds_an_exact_half_unit_up()
    {
        var position = Flat();

        // 512 units at 0.00195313 cost 1.00000256 units → 1; 1 × 1e8 / 512 = 195312.5 units → 195313.
        position.ApplyFill(Side.Buy, Fill("0.00000512", "0.00195313"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(position.EntryNotional.Units, Is.EqualTo(1L));
            Assert.That(position.AverageEntryPrice, Is.EqualTo(new Price(195313)));
        }
    }

    [Test]
    public void The_average_entry_price_is_rounded_to_the_nearest_unit()
    {
        var position = Flat();

        // 3 units at 0.66666667 cost 2.00000001 units → 2; 2 / 3 = 0.6666666(6…) → 0.66666667.
        position.ApplyFill(Side.Buy, Fill("0.00000003", "0.66666667"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(position.EntryNotional.Units, Is.EqualTo(2L));
            Assert.That(position.AverageEntryPrice, Is.EqualTo(P("0.66666667")));
        }
    }

    [Test]
    public void The_average_entry_price_never_drops_below_one_unit()
    {
        var position = Flat();

        // 1 unit at 0.00000001 costs 0.00000001 × 0.00000001 → 0 units of notional.
        position.ApplyFill(Side.Buy, Fill("0.00000001", "0.00000001"));

        Assert.That(position.AverageEntryPrice, Is.EqualTo(new Price(1)));
    }

    [Test]
    public void The_position_time_is_the_latest_fill_or_funding_time_even_out_of_order()
    {
        var position = Flat();

        position.ApplyFill(Side.Buy, Fill("1", "100", at: T0.AddMinutes(10)));
        position.ApplyFill(Side.Buy, Fill("1", "100", at: T0.AddMinutes(5)));
        position.ApplyFunding(Money.Parse("1", Usdt), T0.AddMinutes(7));

        Assert.That(position.UpdatedAt, Is.EqualTo(T0.AddMinutes(10)));
    }

    [Test]
    public void Rehydrating_a_stored_position_keeps_its_balances()
    {
        var stored = Position.Rehydrate(Binance, BtcUsdt, A("-2"), A("100"), A("5"), A("0.1"), A("0.2"), 3, T0);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored.NetQuantity, Is.EqualTo(A("-2")));
            Assert.That(stored.EntryNotional, Is.EqualTo(A("100")));
            Assert.That(stored.NetRealized, Is.EqualTo(A("5.1")));
            Assert.That(stored.FillCount, Is.EqualTo(3));
        }
    }

    [TestCase("1", "-1", 1L)]
    [TestCase("0", "1", 1L)]
    [TestCase("1", "1", -1L)]
    public void Rehydrating_an_inconsistent_position_is_refused(string netQuantity, string entryNotional, long fillCount)
    {
        Assert.That(
            () => Position.Rehydrate(Binance, BtcUsdt, A(netQuantity), A(entryNotional), Amount.Zero, Amount.Zero, Amount.Zero, fillCount, T0),
            Throws.ArgumentException);
    }
}
