using Microsoft.Extensions.Time.Testing;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Exchanges.Paper;

namespace TradingBot.Infrastructure.Exchanges.Tests;

/// <summary>The paper exchange passes the exchange contract.</summary>
[TestFixture]
public sealed class PaperExchangeContract : ExchangeContract
{
    private string _folder = null!;
    private FakeTimeProvider _time = null!;
#pragma warning disable NUnit1032 // disposed in DisposeExchangeAsync, which the base fixture's [TearDown] calls
    private PaperExchange _paper = null!;
#pragma warning restore NUnit1032

    protected override DateTimeOffset HostNow => _time.GetUtcNow();

    protected override Task<IExchange> CreateExchangeAsync()
    {
        _folder = Directory.CreateTempSubdirectory("tradingbot-paper-").FullName;
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 7, 0, 0, TimeSpan.Zero));
        _paper = new PaperExchange(new PaperExchangeOptions { StatePath = Path.Combine(_folder, "paper.db"), Speed = 60 }, _time);
        return Task.FromResult<IExchange>(_paper);
    }

    protected override Task DisposeExchangeAsync()
    {
        _paper.Dispose();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    protected override Task LetTimePassAsync(TimeSpan exchangeTime)
    {
        _time.Advance(exchangeTime / 60);
        return Task.CompletedTask;
    }
}

/// <summary>What only the paper exchange promises: determinism, persistence, speed and fault injection.</summary>
[TestFixture]
public sealed class PaperExchangeBehaviour
{
    private static readonly Symbol BtcUsdt = new("BTCUSDT");
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 7, 0, 0, TimeSpan.Zero);
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("tradingbot-paper-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    private PaperExchange Open(FakeTimeProvider time, string name = "paper.db", int seed = 42, PaperFaults? faults = null) =>
        new(new PaperExchangeOptions { StatePath = Path.Combine(_folder, name), Seed = seed, Speed = 600, Faults = faults ?? new PaperFaults() }, time);

    private static IdempotencyKey Key(int n) => IdempotencyKey.For(new TradingIntent("paper", PaperExchange.PaperName, BtcUsdt, Start.AddMinutes(n), "open"));

    private static async Task<List<long>> MarksAsync(PaperExchange paper, FakeTimeProvider time)
    {
        var marks = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            marks.Add((await paper.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None)).MarkPrice.Units);
        }

        return marks;
    }

    [Test]
    public async Task The_same_seed_gives_the_same_market_and_another_seed_another()
    {
        var timeA = new FakeTimeProvider(Start);
        var timeB = new FakeTimeProvider(Start);
        var timeC = new FakeTimeProvider(Start);
        using var a = Open(timeA, "a.db");
        using var b = Open(timeB, "b.db");
        using var c = Open(timeC, "c.db", seed: 7);

        var marksA = await MarksAsync(a, timeA);
        var marksB = await MarksAsync(b, timeB);
        var marksC = await MarksAsync(c, timeC);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(marksA, Is.EqualTo(marksB));
            Assert.That(marksA, Is.Not.EqualTo(marksC));
            Assert.That(marksA.Distinct().Count(), Is.GreaterThan(1), "prices move");
        }
    }

    [Test]
    public async Task Over_a_simulated_year_at_the_fastest_clock_every_price_stays_near_where_it_started()
    {
        // A worker left on paper for days, or run at the fastest clock, must still see a market: the walk used to lose
        // half a tick a minute to truncation and wander without bound, which took SOL and BNB to their last tick (0.01)
        // in about four simulated months and BTC to a third of its price.
        var time = new FakeTimeProvider(Start);
        string[] symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"];
        var options = new PaperExchangeOptions { StatePath = Path.Combine(_folder, "year.db"), Speed = 100_000 };
        options.Symbols.Clear();
        symbols.ToList().ForEach(options.Symbols.Add);
        using var paper = new PaperExchange(options, time);
        var first = new Dictionary<string, long>();
        foreach (var symbol in symbols)
        {
            first[symbol] = (await paper.GetFundingQuoteAsync(new Symbol(symbol), CancellationToken.None)).MarkPrice.Units;
        }

        var weekly = symbols.ToDictionary(s => s, _ => new List<double>());
        for (var week = 0; week < 52; week++)
        {
            time.Advance(TimeSpan.FromDays(7) / 100_000);
            foreach (var symbol in symbols)
            {
                weekly[symbol].Add((double)(await paper.GetFundingQuoteAsync(new Symbol(symbol), CancellationToken.None)).MarkPrice.Units / first[symbol]);
            }
        }

        using (Assert.EnterMultipleScope())
        {
            foreach (var symbol in symbols)
            {
                var ratios = weekly[symbol].Order().ToList();
                Assert.That(ratios[0], Is.GreaterThan(0.7), $"{symbol}'s lowest weekly price over a year, as a share of its first");
                Assert.That(ratios[^1], Is.LessThan(1.4), $"{symbol}'s highest weekly price over a year, as a share of its first");
                // Centred on the start: a bias of a fraction of a tick a minute (truncation) would move it by several percent.
                Assert.That(ratios[ratios.Count / 2], Is.InRange(0.95, 1.05), $"{symbol}'s median weekly price over a year, as a share of its first");
                Assert.That(ratios[^1] - ratios[0], Is.GreaterThan(0.01), $"{symbol}'s price still moves");
            }
        }
    }

    [Test]
    public async Task The_funding_rate_crosses_typical_entry_and_exit_thresholds_within_a_simulated_day()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = Open(time);
        var rates = new List<FundingRate>();
        for (var i = 0; i < 24 * 6; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1)); // 10 simulated minutes
            rates.Add((await paper.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None)).Rate);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rates.Max(), Is.GreaterThanOrEqualTo(FundingRate.ParseBasisPoints("3")));
            Assert.That(rates.Min(), Is.LessThanOrEqualTo(FundingRate.ParseBasisPoints("1")));
        }
    }

    [Test]
    public async Task A_reopened_exchange_continues_from_its_state_file()
    {
        var time = new FakeTimeProvider(Start);
        string exchangeOrderId;
        using (var first = Open(time))
        {
            var placed = (PlaceOrderResult.Accepted)await first.PlaceOrderAsync(new OrderRequest(Key(1), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null), CancellationToken.None);
            exchangeOrderId = placed.State.ExchangeOrderId;
            await first.PlaceOrderAsync(new OrderRequest(Key(2), BtcUsdt, Side.Buy, OrderType.Limit, Quantity.Parse("0.2"), Price.Parse("1000")), CancellationToken.None);
        }

        using var reopened = Open(time);
        var found = await reopened.GetOrderAsync(BtcUsdt, Key(1), CancellationToken.None);
        var positions = await reopened.GetPositionsAsync(CancellationToken.None);
        var resting = await reopened.GetOpenOrdersAsync(BtcUsdt, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((OrderLookupResult.Found)found).State.ExchangeOrderId, Is.EqualTo(exchangeOrderId));
            Assert.That(positions.Single().NetQuantity, Is.EqualTo(Amount.Parse("-0.01")));
            Assert.That(resting.Single().ClientOrderId, Is.EqualTo(Key(2).Value));
        }
    }

    [Test]
    public async Task Simulated_time_runs_at_the_configured_speed()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = Open(time);
        var before = paper.SimulatedNow;

        time.Advance(TimeSpan.FromSeconds(48));

        Assert.That(paper.SimulatedNow - before, Is.EqualTo(TimeSpan.FromHours(8)));
        await Task.CompletedTask;
    }

    [Test]
    public async Task With_answers_lost_the_order_exists_though_the_caller_hears_unknown()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = Open(time, faults: new PaperFaults { AnswerLostPercent = 100 });

        var placed = await paper.PlaceOrderAsync(new OrderRequest(Key(2), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null), CancellationToken.None);
        var found = await paper.GetOrderAsync(BtcUsdt, Key(2), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Unknown>());
            Assert.That(found, Is.TypeOf<OrderLookupResult.Found>());
        }
    }

    [Test]
    public async Task With_rate_limiting_nothing_is_placed_and_the_refusal_is_definite()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = Open(time, faults: new PaperFaults { RateLimitPercent = 100 });

        var placed = await paper.PlaceOrderAsync(new OrderRequest(Key(3), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null), CancellationToken.None);
        var found = await paper.GetOrderAsync(BtcUsdt, Key(3), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Rejected>());
            Assert.That(found, Is.TypeOf<OrderLookupResult.NotFound>());
        }
    }

    [Test]
    public async Task With_duplicate_and_shuffled_trades_each_trade_still_has_one_id()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = Open(time, faults: new PaperFaults { DuplicateTradesPercent = 100, OutOfOrderTradesPercent = 100 });
        for (var i = 0; i < 5; i++)
        {
            await paper.PlaceOrderAsync(new OrderRequest(Key(10 + i), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null), CancellationToken.None);
        }

        var trades = await paper.GetTradesAsync(BtcUsdt, DateTimeOffset.UnixEpoch, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(trades.Count, Is.GreaterThan(trades.Select(t => t.ExchangeFillId).Distinct().Count()), "some trades are delivered twice");
            var ids = trades.Select(t => long.Parse(t.ExchangeFillId.Value.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.That(ids, Is.Not.Ordered, "trades arrive out of order");
        }
    }

    [Test]
    public void An_unknown_symbol_or_speed_is_refused_with_a_clear_message()
    {
        var time = new FakeTimeProvider(Start);
        var badSymbol = new PaperExchangeOptions { StatePath = Path.Combine(_folder, "x.db") };
        badSymbol.Symbols.Add("DOGEUSDT");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => new PaperExchange(badSymbol, time), Throws.ArgumentException.With.Message.Contains("DOGEUSDT"));
            Assert.That(() => new PaperExchange(new PaperExchangeOptions { Speed = 0 }, time), Throws.ArgumentException.With.Message.Contains("Speed"));
        }
    }

    [Test]
    public async Task An_order_whose_answer_was_lost_is_invisible_to_queries_until_its_visibility_delay_passes()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = Open(time, faults: new PaperFaults { AnswerLostPercent = 100, LateVisibilitySeconds = 5 });

        var placed = await paper.PlaceOrderAsync(new OrderRequest(Key(1), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null), CancellationToken.None);
        var early = await paper.GetOrderAsync(BtcUsdt, Key(1), CancellationToken.None);
        var earlyTrades = await paper.GetTradesAsync(BtcUsdt, DateTimeOffset.UnixEpoch, CancellationToken.None);
        var position = await paper.GetPositionsAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(5));
        var late = await paper.GetOrderAsync(BtcUsdt, Key(1), CancellationToken.None);
        var lateTrades = await paper.GetTradesAsync(BtcUsdt, DateTimeOffset.UnixEpoch, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Unknown>());
            Assert.That(early, Is.TypeOf<OrderLookupResult.NotFound>(), "-2013 although the matching engine has it");
            Assert.That(earlyTrades, Is.Empty);
            Assert.That(position.Single().NetQuantity, Is.EqualTo(Amount.Parse("-0.01")), "the position moved at once");
            Assert.That(((OrderLookupResult.Found)late).State.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(lateTrades.Sum(t => t.Quantity.Units), Is.EqualTo(Quantity.Parse("0.01").Units));
        }
    }

    [Test]
    public async Task The_exchange_closes_a_position_itself_with_an_order_the_account_did_not_place()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = Open(time, faults: new PaperFaults { ExchangeClosePercent = 100 });
        await paper.PlaceOrderAsync(new OrderRequest(Key(1), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null), CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(30)); // 300 simulated hours
        var positions = await paper.GetPositionsAsync(CancellationToken.None);
        var trades = await paper.GetTradesAsync(BtcUsdt, DateTimeOffset.UnixEpoch, CancellationToken.None);

        var closing = trades.Where(t => t.ClientOrderId != Key(1).Value).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(positions, Is.Empty);
            Assert.That(closing, Is.Not.Empty);
            Assert.That(closing.Select(t => t.ClientOrderId), Has.All.Match("^(autoclose-.+|adl_autoclose)$"));
            Assert.That(closing.Sum(t => t.Quantity.Units), Is.EqualTo(Quantity.Parse("0.01").Units));
            Assert.That(closing.Select(t => t.Side), Has.All.EqualTo(Side.Buy));
        }
    }

    [Test]
    public async Task A_market_order_may_fill_in_part_and_expire_the_rest()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = Open(time, faults: new PaperFaults { ExpirePercent = 100 });

        var placed = (PlaceOrderResult.Accepted)await paper.PlaceOrderAsync(new OrderRequest(Key(1), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed.State.Status, Is.EqualTo(OrderStatus.Cancelled));
            Assert.That(placed.State.FilledQuantity, Is.EqualTo(Quantity.Parse("0.005")));
        }
    }

    [Test]
    public async Task A_market_order_walks_the_book_in_up_to_the_set_number_of_trades_each_a_tick_further()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = new PaperExchange(new PaperExchangeOptions { StatePath = Path.Combine(_folder, "deep.db"), Speed = 600, MaxTradesPerMarketOrder = 200 }, time);
        var tick = (await paper.GetInstrumentAsync(BtcUsdt, CancellationToken.None)).TickSize.Units;

        var orders = new List<(PlaceOrderResult.Accepted Placed, List<ExchangeTrade> Trades)>();
        for (var i = 0; i < 10; i++)
        {
            var placed = (PlaceOrderResult.Accepted)await paper.PlaceOrderAsync(new OrderRequest(Key(40 + i), BtcUsdt, i % 2 == 0 ? Side.Buy : Side.Sell, OrderType.Market, Quantity.Parse("0.5"), null), CancellationToken.None);
            var trades = (await paper.GetTradesAsync(BtcUsdt, DateTimeOffset.UnixEpoch, CancellationToken.None)).Where(t => t.ClientOrderId == Key(40 + i).Value).OrderBy(t => t.ExchangeFillId.Value.Length).ThenBy(t => t.ExchangeFillId.Value, StringComparer.Ordinal).ToList();
            orders.Add((placed, trades));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(orders.Select(o => o.Trades.Count), Has.All.InRange(1, 200));
            Assert.That(orders.Max(o => o.Trades.Count), Is.GreaterThan(3), "more than the default's three trades");
            foreach (var (placed, trades) in orders)
            {
                Assert.That(placed.State.Status, Is.EqualTo(OrderStatus.Filled));
                Assert.That(trades.Sum(t => t.Quantity.Units), Is.EqualTo(Quantity.Parse("0.5").Units), "the trades fill the order exactly");
                var steps = trades.Zip(trades.Skip(1), (a, b) => (b.Price.Units - a.Price.Units) * (placed.State.Side == Side.Buy ? 1 : -1)).ToList();
                Assert.That(steps, Has.All.EqualTo(tick), "each trade a tick further from the mark, against the taker");
            }
        }
    }

    [TestCase(1)]
    [TestCase(1000)]
    public async Task The_least_and_the_most_trades_per_market_order_are_accepted(int most)
    {
        using var paper = new PaperExchange(new PaperExchangeOptions { StatePath = Path.Combine(_folder, "edge.db"), Speed = 600, MaxTradesPerMarketOrder = most }, new FakeTimeProvider(Start));

        await paper.PlaceOrderAsync(new OrderRequest(Key(60), BtcUsdt, Side.Buy, OrderType.Market, Quantity.Parse("0.01"), null), CancellationToken.None);
        var trades = await paper.GetTradesAsync(BtcUsdt, DateTimeOffset.UnixEpoch, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(trades.Count, most == 1 ? Is.EqualTo(1) : Is.InRange(1, 10), "at most the quantity's ten steps of 0.001");
            Assert.That(trades.Sum(t => t.Quantity.Units), Is.EqualTo(Quantity.Parse("0.01").Units));
        }
    }

    [TestCase(0)]
    [TestCase(1001)]
    public void A_number_of_trades_per_market_order_out_of_range_is_refused_naming_the_setting(int trades)
    {
        var options = new PaperExchangeOptions { StatePath = Path.Combine(_folder, "x.db"), MaxTradesPerMarketOrder = trades };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => new PaperExchange(options, new FakeTimeProvider(Start)), Throws.ArgumentException.With.Message.Contains($"Exchange:Paper:MaxTradesPerMarketOrder is {trades}; expected 1 to 1000"));
            Assert.That(File.Exists(options.StatePath), Is.False, "nothing is created");
        }
    }

    [Test]
    public async Task Foreign_open_orders_of_types_the_strategy_never_uses_are_listed_with_their_own_type()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = Open(time, faults: new PaperFaults { ForeignOpenOrders = true });

        var open = await paper.GetOpenOrdersAsync(null, CancellationToken.None);

        Assert.That(open.Select(o => o.NativeType), Is.EquivalentTo((string[])["STOP_MARKET", "TAKE_PROFIT", "TRAILING_STOP_MARKET"]));
    }

    [Test]
    public async Task Two_processes_sharing_the_state_file_never_lose_each_others_orders()
    {
        var time = new FakeTimeProvider(Start);
        using var first = Open(time);
        using var second = Open(time);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            (i % 2 == 0 ? first : second).PlaceOrderAsync(new OrderRequest(Key(100 + i), BtcUsdt, Side.Buy, OrderType.Limit, Quantity.Parse("0.2"), Price.Parse("1000")), CancellationToken.None))));
        var open = await first.GetOpenOrdersAsync(BtcUsdt, CancellationToken.None);

        Assert.That(open.Select(o => o.ExchangeOrderId).Distinct().Count(), Is.EqualTo(20));
    }

    [Test]
    public async Task A_closed_orders_client_order_id_makes_a_second_order_as_at_binance()
    {
        var time = new FakeTimeProvider(Start);
        using var paper = Open(time);

        var first = (PlaceOrderResult.Accepted)await paper.PlaceOrderAsync(new OrderRequest(Key(1), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null), CancellationToken.None);
        var second = (PlaceOrderResult.Accepted)await paper.PlaceOrderAsync(new OrderRequest(Key(1), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null), CancellationToken.None);

        Assert.That(second.State.ExchangeOrderId, Is.Not.EqualTo(first.State.ExchangeOrderId), "which is why the ledger never sends a key twice");
    }
}
