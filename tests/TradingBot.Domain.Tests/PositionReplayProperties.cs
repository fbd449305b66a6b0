using System.Globalization;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using static TradingBot.Domain.Tests.TestLedger;

namespace TradingBot.Domain.Tests;

/// <summary>
/// Seeded random fill sequences checked against properties that must hold exactly. Every failure message
/// carries the seed of its sequence, so <c>new Random(seed)</c> with the same generator reproduces it.
/// </summary>
public class PositionReplayProperties
{
    private const int Sequences = 500;
    private const int BaseSeed = 20_240_301;
    private const long Scale = FixedPoint.Scale;

    public enum Prices
    {
        /// <summary>Prices 0.00000001..100000 with up to 8 decimals, quantities up to 5 with up to 8 decimals.</summary>
        AnyDecimals,

        /// <summary>Whole prices, quantities with up to 8 decimals: every quantity × price is exact at 1e-8.</summary>
        WholePrices,

        /// <summary>Prices with up to 8 decimals, whole quantities: every quantity × price is exact at 1e-8.</summary>
        WholeQuantities,
    }

    [Test]
    public void Applying_fills_one_at_a_time_through_storage_equals_replaying_them()
    {
        for (var i = 0; i < Sequences; i++)
        {
            var seed = BaseSeed + i;
            var fills = RandomFills(seed, Prices.AnyDecimals);

            // Incrementally, persisting and reloading the balances between fills as the ledger does.
            var incremental = Position.Flat(Binance, BtcUsdt);
            foreach (var (side, fill) in fills)
            {
                incremental = Reload(incremental);
                incremental.ApplyFill(side, fill);
            }

            var replayed = Position.Replay(Binance, BtcUsdt, fills);

            Assert.That(incremental.SameBalancesAs(replayed), Is.True, $"seed {seed}: incremental {Describe(incremental)} vs replay {Describe(replayed)}");
        }
    }

    [Test]
    public void Replaying_the_same_fills_twice_gives_the_same_balances()
    {
        for (var i = 0; i < Sequences; i++)
        {
            var seed = BaseSeed + i;
            var fills = RandomFills(seed, Prices.AnyDecimals);

            var first = Position.Replay(Binance, BtcUsdt, fills);
            var second = Position.Replay(Binance, BtcUsdt, fills);

            Assert.That(second.SameBalancesAs(first), Is.True, $"seed {seed}");
        }
    }

    [Test]
    public void Net_quantity_is_the_sum_of_signed_fill_quantities_after_every_fill()
    {
        for (var i = 0; i < Sequences; i++)
        {
            var seed = BaseSeed + i;
            var position = Position.Flat(Binance, BtcUsdt);
            Int128 signedSum = 0;
            foreach (var (side, fill) in RandomFills(seed, Prices.AnyDecimals))
            {
                position.ApplyFill(side, fill);
                signedSum += side.Sign() * (Int128)fill.Quantity.Units;
                Assert.That((Int128)position.NetQuantity.Units, Is.EqualTo(signedSum), $"seed {seed}, fill {position.FillCount}");
            }
        }
    }

    [Test]
    public void Entry_notional_is_never_negative_and_is_zero_exactly_when_flat()
    {
        for (var i = 0; i < Sequences; i++)
        {
            var seed = BaseSeed + i;
            var position = Position.Flat(Binance, BtcUsdt);
            foreach (var (side, fill) in WithClosingFill(seed, RandomFills(seed, Prices.AnyDecimals)))
            {
                position.ApplyFill(side, fill);
                var message = $"seed {seed}, fill {position.FillCount}: {Describe(position)}";
                Assert.That(position.EntryNotional.Units, Is.GreaterThanOrEqualTo(0L), message);
                if (position.IsFlat)
                {
                    Assert.That(position.EntryNotional, Is.EqualTo(Amount.Zero), message);
                }
            }

            Assert.That(position.IsFlat, Is.True, $"seed {seed}: the closing fill must leave the position flat");
        }
    }

    [Test]
    public void The_realized_pnl_returned_per_fill_adds_up_to_the_position_total()
    {
        for (var i = 0; i < Sequences; i++)
        {
            var seed = BaseSeed + i;
            var position = Position.Flat(Binance, BtcUsdt);
            var total = Amount.Zero;
            foreach (var (side, fill) in RandomFills(seed, Prices.AnyDecimals))
            {
                total += position.ApplyFill(side, fill);
            }

            Assert.That(position.RealizedPnl, Is.EqualTo(total), $"seed {seed}");
        }
    }

    [Test]
    public void Realized_pnl_equals_cash_flow_plus_the_signed_open_entry_after_every_fill()
    {
        // Cash flow computed independently: sells bring in, buys pay out, each at price × quantity rounded
        // once per piece; a fill that crosses zero is priced as its closing piece and its opening piece.
        for (var i = 0; i < Sequences; i++)
        {
            var seed = BaseSeed + i;
            var position = Position.Flat(Binance, BtcUsdt);
            Int128 net = 0;
            Int128 cash = 0;
            foreach (var (side, fill) in WithClosingFill(seed, RandomFills(seed, Prices.AnyDecimals)))
            {
                long signed = side.Sign() * fill.Quantity.Units;
                var crossesZero = net != 0 && Int128.Sign(net) != Math.Sign(signed) && Int128.Abs(net) < fill.Quantity.Units;
                var pieces = crossesZero
                    ? new[] { (long)Int128.Abs(net), fill.Quantity.Units - (long)Int128.Abs(net) }
                    : [fill.Quantity.Units];
                foreach (var piece in pieces)
                {
                    var notional = FixedPoint.MultiplyRounded(fill.Price.Units, piece);
                    cash += side == Side.Sell ? notional : -notional;
                }

                net += signed;
                position.ApplyFill(side, fill);

                var signedEntry = net > 0 ? position.EntryNotional.Units : -position.EntryNotional.Units;
                Assert.That((Int128)position.RealizedPnl.Units, Is.EqualTo(cash + signedEntry), $"seed {seed}, fill {position.FillCount}: {Describe(position)}");
            }
        }
    }

    [TestCase(Prices.WholePrices)]
    [TestCase(Prices.WholeQuantities)]
    public void At_flat_realized_pnl_is_exactly_sell_notionals_minus_buy_notionals(Prices prices)
    {
        for (var i = 0; i < Sequences; i++)
        {
            var seed = BaseSeed + i;
            var fills = WithClosingFill(seed, RandomFills(seed, prices));

            // Independent of the ledger's rounding: these sequences make every quantity × price a whole
            // number of 1e-8, so the exact Int128 sum needs no rounding at all.
            Int128 sellsMinusBuys = 0;
            foreach (var (side, fill) in fills)
            {
                var product = (Int128)fill.Quantity.Units * fill.Price.Units;
                Assert.That(product % Scale, Is.EqualTo((Int128)0), $"seed {seed}: generator must make exact notionals");
                sellsMinusBuys += side == Side.Sell ? product / Scale : -(product / Scale);
            }

            var position = Position.Replay(Binance, BtcUsdt, fills);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(position.IsFlat, Is.True, $"seed {seed}");
                Assert.That(position.EntryNotional, Is.EqualTo(Amount.Zero), $"seed {seed}");
                Assert.That((Int128)position.RealizedPnl.Units, Is.EqualTo(sellsMinusBuys), $"seed {seed}: {Describe(position)}");
            }
        }
    }

    [Test]
    public void Fees_paid_is_the_sum_of_the_quote_asset_fees_only()
    {
        for (var i = 0; i < Sequences; i++)
        {
            var seed = BaseSeed + i;
            var fills = RandomFills(seed, Prices.AnyDecimals);
            var expected = fills.Where(f => f.Fill.Fee.Asset == Usdt).Aggregate(Amount.Zero, (sum, f) => sum + f.Fill.Fee.Amount);

            var position = Position.Replay(Binance, BtcUsdt, fills);

            Assert.That(position.FeesPaid, Is.EqualTo(expected), $"seed {seed}");
        }
    }

    [Test]
    public void Fill_count_is_the_number_of_fills_replayed()
    {
        for (var i = 0; i < Sequences; i++)
        {
            var seed = BaseSeed + i;
            var fills = RandomFills(seed, Prices.AnyDecimals);

            Assert.That(Position.Replay(Binance, BtcUsdt, fills).FillCount, Is.EqualTo(fills.Count), $"seed {seed}");
        }
    }

    private static List<(Side Side, Fill Fill)> RandomFills(int seed, Prices prices)
    {
        var random = new Random(seed);
        var count = random.Next(1, 41);
        var orderId = OrderId.New();
        var fills = new List<(Side, Fill)>(count);
        for (var k = 0; k < count; k++)
        {
            var side = random.Next(2) == 0 ? Side.Buy : Side.Sell;
            var priceUnits = prices == Prices.WholePrices
                ? random.NextInt64(1, 100_001) * Scale
                : random.NextInt64(1, (100_000 * Scale) + 1);
            var quantityUnits = prices == Prices.WholeQuantities
                ? random.NextInt64(1, 6) * Scale
                : random.NextInt64(1, (5 * Scale) + 1);
            var feeAsset = random.Next(4) == 0 ? Bnb : Usdt;
            var fee = new Amount(random.NextInt64(-1_000_000, 10_000_000));
            fills.Add((side, NewFill(seed, k, orderId, priceUnits, quantityUnits, new Money(feeAsset, fee))));
        }

        return fills;
    }

    /// <summary>The fills followed by one more that brings the position back to flat (when it is not already).</summary>
    private static List<(Side Side, Fill Fill)> WithClosingFill(int seed, List<(Side Side, Fill Fill)> fills)
    {
        var net = fills.Aggregate((Int128)0, (sum, f) => sum + ((Int128)f.Side.Sign() * f.Fill.Quantity.Units));
        if (net == 0)
        {
            return fills;
        }

        // Close at the last fill's price, which keeps the sequence in its family of exact notionals when
        // quantities are whole (net is whole) or prices are whole.
        var last = fills[^1].Fill;
        var closing = NewFill(seed, fills.Count, last.OrderId, last.Price.Units, (long)Int128.Abs(net), new Money(Usdt, Amount.Zero));
        return [.. fills, (net > 0 ? Side.Sell : Side.Buy, closing)];
    }

    private static Fill NewFill(int seed, int index, OrderId orderId, long priceUnits, long quantityUnits, Money fee) =>
        new(
            new ExchangeFillId(string.Create(CultureInfo.InvariantCulture, $"prop-{seed}-{index}")),
            orderId,
            new Price(priceUnits),
            new Quantity(quantityUnits),
            fee,
            T0.AddSeconds(index));

    private static Position Reload(Position p) =>
        Position.Rehydrate(p.Exchange, p.Symbol, p.NetQuantity, p.EntryNotional, p.RealizedPnl, p.FeesPaid, p.FundingReceived, p.FillCount, p.UpdatedAt, p.LastFilledAt);

    private static string Describe(Position p) =>
        $"net {p.NetQuantity}, entry {p.EntryNotional}, realized {p.RealizedPnl}, fees {p.FeesPaid}, fills {p.FillCount}, last fill {p.LastFilledAt:O}";
}
