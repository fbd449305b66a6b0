using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Infrastructure.Exchanges.Tests;

/// <summary>
/// What every <see cref="IExchange"/> adapter must do (the QuantConnect/Lean BrokerageTests pattern): a
/// subclass supplies the exchange and a way to let simulated time pass.
/// </summary>
public abstract class ExchangeContract
{
    protected static readonly Symbol BtcUsdt = new("BTCUSDT");
    private int _keys;

    protected IExchange Exchange { get; private set; } = null!;

    protected abstract Task<IExchange> CreateExchangeAsync();

    protected abstract Task DisposeExchangeAsync();

    /// <summary>Lets this much exchange time pass (prices move, funding is paid, resting orders may fill).</summary>
    protected abstract Task LetTimePassAsync(TimeSpan exchangeTime);

    /// <summary>This host's clock as the adapter reads it.</summary>
    protected abstract DateTimeOffset HostNow { get; }

    [SetUp]
    public async Task CreateAsync() => Exchange = await CreateExchangeAsync();

    [TearDown]
    public Task DisposeAsync() => DisposeExchangeAsync();

    protected IdempotencyKey NextKey() =>
        IdempotencyKey.For(new TradingIntent("contract", Exchange.Name, BtcUsdt, DateTimeOffset.UnixEpoch.AddMinutes(Interlocked.Increment(ref _keys)), "open"));

    private static Price OnTick(Price price) => price.RoundDownTo(Price.Parse("0.1"));

    private async Task<Price> MarkAsync() => (await Exchange.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None)).MarkPrice;

    private Task<PlaceOrderResult> PlaceAsync(IdempotencyKey key, Side side, OrderType type, string quantity, Price? price = null) =>
        Exchange.PlaceOrderAsync(new OrderRequest(key, BtcUsdt, side, type, Quantity.Parse(quantity), price), CancellationToken.None);

    [Test]
    public async Task Funding_rate_mark_and_index_prices_are_present()
    {
        var quote = await Exchange.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(quote.Symbol, Is.EqualTo(BtcUsdt));
            Assert.That(quote.MarkPrice.Units, Is.Positive);
            Assert.That(quote.IndexPrice.Units, Is.Positive);
            Assert.That(quote.NextFundingTime, Is.GreaterThan(quote.Time));
        }
    }

    [Test]
    public async Task A_market_order_is_placed_found_by_its_client_order_id_and_its_trades_add_up()
    {
        var key = NextKey();
        var since = DateTimeOffset.UnixEpoch;

        var placed = await PlaceAsync(key, Side.Sell, OrderType.Market, "0.01");
        var found = await Exchange.GetOrderAsync(BtcUsdt, key, CancellationToken.None);
        var trades = (await Exchange.GetTradesAsync(BtcUsdt, since, CancellationToken.None)).Where(t => t.ClientOrderId == key.Value).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Accepted>());
            Assert.That(found, Is.TypeOf<OrderLookupResult.Found>());
            var state = ((OrderLookupResult.Found)found).State;
            Assert.That(state.ClientOrderId, Is.EqualTo(key.Value));
            Assert.That(state.ExchangeOrderId, Is.EqualTo(((PlaceOrderResult.Accepted)placed).State.ExchangeOrderId));
            Assert.That(state.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(trades.Select(t => t.Quantity).Aggregate(Quantity.Zero, (a, b) => a + b), Is.EqualTo(Quantity.Parse("0.01")));
            Assert.That(trades.Select(t => t.ExchangeFillId).Distinct().Count(), Is.EqualTo(trades.Count));
            Assert.That(trades, Has.All.Matches<ExchangeTrade>(t => t.ExchangeOrderId == state.ExchangeOrderId && t.Side == Side.Sell && t.Fee.Amount.Units > 0));
        }
    }

    // The ledger stamps an order with this host's clock before it sends it; the window its trades are read in is converted to
    // the exchange's clock, which here has moved two hours past this host's (Binance: the server's clock alone).
    [Test]
    public async Task The_trades_of_an_order_lie_between_the_exchange_times_of_its_sending_and_its_answer()
    {
        await LetTimePassAsync(TimeSpan.FromHours(2));
        var key = NextKey();

        var sent = await Exchange.ExchangeTimeAtAsync(HostNow, CancellationToken.None);
        var placed = await PlaceAsync(key, Side.Sell, OrderType.Market, "0.01");
        var answered = await Exchange.ExchangeTimeAtAsync(HostNow, CancellationToken.None);
        var trades = (await Exchange.GetTradesAsync(BtcUsdt, sent - TimeSpan.FromMinutes(1), CancellationToken.None)).Where(t => t.ClientOrderId == key.Value).ToList();

        var tolerance = TimeSpan.FromSeconds(1); // the offset is measured over a round trip; trade times are whole milliseconds
        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Accepted>());
            Assert.That(trades, Is.Not.Empty);
            Assert.That(trades, Has.All.Matches<ExchangeTrade>(t => t.Time >= sent - tolerance && t.Time <= answered + tolerance), $"sent {sent:O}, answered {answered:O}, trades {string.Join(", ", trades.Select(t => t.Time.ToString("O")))}");
        }
    }

    [Test]
    public async Task A_limit_order_away_from_the_market_rests_and_can_be_cancelled()
    {
        var key = NextKey();
        var farBelow = OnTick(new Price((await MarkAsync()).Units / 2));

        var placed = await PlaceAsync(key, Side.Buy, OrderType.Limit, "0.01", farBelow);
        var openBefore = await Exchange.GetOpenOrdersAsync(BtcUsdt, CancellationToken.None);
        var cancelled = await Exchange.CancelOrderAsync(BtcUsdt, key, CancellationToken.None);
        var openAfter = await Exchange.GetOpenOrdersAsync(BtcUsdt, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((PlaceOrderResult.Accepted)placed).State.Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(openBefore.Select(o => o.ClientOrderId), Does.Contain(key.Value));
            Assert.That(cancelled, Is.TypeOf<CancelOrderResult.Done>());
            Assert.That(((CancelOrderResult.Done)cancelled).State.Status, Is.EqualTo(OrderStatus.Cancelled));
            Assert.That(openAfter.Select(o => o.ClientOrderId), Does.Not.Contain(key.Value));
        }
    }

    [Test]
    public async Task A_limit_order_through_the_market_fills()
    {
        var key = NextKey();
        var farAbove = OnTick(new Price((await MarkAsync()).Units * 2));

        var placed = await PlaceAsync(key, Side.Buy, OrderType.Limit, "0.01", farAbove);

        Assert.That(((PlaceOrderResult.Accepted)placed).State.Status, Is.EqualTo(OrderStatus.Filled));
    }

    [Test]
    public async Task The_client_order_id_of_an_open_order_never_makes_a_second_order()
    {
        var key = NextKey();
        var farBelow = (await MarkAsync()).RoundDownTo(Price.Parse("0.1"));
        farBelow = new Price(farBelow.Units / 2 - (farBelow.Units / 2 % Price.Parse("0.1").Units));

        var first = (PlaceOrderResult.Accepted)await PlaceAsync(key, Side.Buy, OrderType.Limit, "0.01", farBelow);
        var second = await PlaceAsync(key, Side.Buy, OrderType.Limit, "0.01", farBelow);
        var open = await Exchange.GetOpenOrdersAsync(BtcUsdt, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second, Is.TypeOf<PlaceOrderResult.Accepted>());
            Assert.That(((PlaceOrderResult.Accepted)second).State.ExchangeOrderId, Is.EqualTo(first.State.ExchangeOrderId));
            Assert.That(open.Count(o => o.ClientOrderId == key.Value), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task A_reduce_only_order_reduces_a_position_and_is_refused_when_it_would_open_or_flip_one()
    {
        await PlaceAsync(NextKey(), Side.Sell, OrderType.Market, "0.02");

        var flips = await Exchange.PlaceOrderAsync(new OrderRequest(NextKey(), BtcUsdt, Side.Buy, OrderType.Market, Quantity.Parse("0.03"), null) { ReduceOnly = true }, CancellationToken.None);
        var adds = await Exchange.PlaceOrderAsync(new OrderRequest(NextKey(), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null) { ReduceOnly = true }, CancellationToken.None);
        var closes = await Exchange.PlaceOrderAsync(new OrderRequest(NextKey(), BtcUsdt, Side.Buy, OrderType.Market, Quantity.Parse("0.02"), null) { ReduceOnly = true }, CancellationToken.None);
        var positions = await Exchange.GetPositionsAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(flips, Is.TypeOf<PlaceOrderResult.Rejected>());
            Assert.That(adds, Is.TypeOf<PlaceOrderResult.Rejected>());
            Assert.That(closes, Is.TypeOf<PlaceOrderResult.Accepted>());
            Assert.That(positions.Where(p => p.Symbol == BtcUsdt), Is.Empty, "flat");
        }
    }

    [Test]
    public async Task An_order_past_its_send_deadline_is_not_sent()
    {
        var key = NextKey();

        var placed = await Exchange.PlaceOrderAsync(new OrderRequest(key, BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.01"), null) { SendDeadline = DateTimeOffset.UnixEpoch }, CancellationToken.None);
        var lookup = await Exchange.GetOrderAsync(BtcUsdt, key, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Rejected>());
            Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("not sent"));
            Assert.That(lookup, Is.TypeOf<OrderLookupResult.NotFound>());
        }
    }

    [Test]
    public async Task The_rules_carry_the_market_step_and_the_minimum_notional()
    {
        var rules = await Exchange.GetInstrumentAsync(BtcUsdt, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rules.MarketStepSize.Units, Is.Positive);
            Assert.That(rules.MarketMinQuantity.Units, Is.Positive);
            Assert.That(rules.MinNotional.Units, Is.Positive);
        }
    }

    [Test]
    public async Task A_notional_below_the_minimum_is_refused_unless_reduce_only()
    {
        var rules = await Exchange.GetInstrumentAsync(BtcUsdt, CancellationToken.None);
        var tiny = rules.MarketMinQuantity;
        Assume.That((await MarkAsync()).NotionalOf(tiny), Is.LessThan(rules.MinNotional), "the smallest quantity is under the minimum notional");
        await PlaceAsync(NextKey(), Side.Sell, OrderType.Market, "0.01");

        var opening = await Exchange.PlaceOrderAsync(new OrderRequest(NextKey(), BtcUsdt, Side.Sell, OrderType.Market, tiny, null), CancellationToken.None);
        var reducing = await Exchange.PlaceOrderAsync(new OrderRequest(NextKey(), BtcUsdt, Side.Buy, OrderType.Market, tiny, null) { ReduceOnly = true }, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(opening, Is.TypeOf<PlaceOrderResult.Rejected>());
            Assert.That(reducing, Is.TypeOf<PlaceOrderResult.Accepted>());
        }
    }

    [Test]
    public async Task The_symbol_an_exchange_does_not_list_is_named_as_not_listed()
    {
        await Assert.ThatAsync(() => Exchange.GetInstrumentAsync(new Symbol("NOTLISTEDUSDT"), CancellationToken.None), Throws.InstanceOf<SymbolNotListedException>());
    }

    [Test]
    public async Task Positions_follow_the_trades()
    {
        await PlaceAsync(NextKey(), Side.Sell, OrderType.Market, "0.03");
        await PlaceAsync(NextKey(), Side.Buy, OrderType.Market, "0.01");

        var positions = await Exchange.GetPositionsAsync(CancellationToken.None);

        Assert.That(positions.Single(p => p.Symbol == BtcUsdt).NetQuantity, Is.EqualTo(Amount.Parse("-0.02")));
    }

    [Test]
    public async Task Funding_payments_appear_for_an_open_position()
    {
        await PlaceAsync(NextKey(), Side.Sell, OrderType.Market, "0.05");
        var quote = await Exchange.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None);

        await LetTimePassAsync(quote.NextFundingTime - quote.Time + TimeSpan.FromMinutes(2));
        var payments = await Exchange.GetFundingPaymentsAsync(quote.Time, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(payments, Is.Not.Empty);
            Assert.That(payments, Has.All.Matches<TradingBot.Domain.Funding.FundingPayment>(p => p.Symbol == BtcUsdt && p.Amount.Asset == new Asset("USDT")));
            Assert.That(payments.Select(p => p.ExchangePaymentId).Distinct().Count(), Is.EqualTo(payments.Count));
        }
    }

    [Test]
    public async Task Quantities_and_prices_off_step_and_tick_are_refused_not_rounded()
    {
        // The ledger rounds before it writes the intent; an adapter that rounded again would make what the ledger
        // records differ from what was sent.
        var rules = await Exchange.GetInstrumentAsync(BtcUsdt, CancellationToken.None);
        var onTickBelow = (await MarkAsync()).RoundDownTo(rules.TickSize);
        onTickBelow = new Price(onTickBelow.Units / 2 - (onTickBelow.Units / 2 % rules.TickSize.Units));
        var offTickBelow = new Price(onTickBelow.Units + (rules.TickSize.Units / 2));
        var offStep = new Quantity(rules.StepSize.Units * 3 + (rules.StepSize.Units / 2));

        var wrongStep = await Exchange.PlaceOrderAsync(new OrderRequest(NextKey(), BtcUsdt, Side.Buy, OrderType.Limit, offStep, onTickBelow), CancellationToken.None);
        var wrongTick = await Exchange.PlaceOrderAsync(new OrderRequest(NextKey(), BtcUsdt, Side.Buy, OrderType.Limit, new Quantity(rules.StepSize.Units * 3), offTickBelow), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(wrongStep, Is.TypeOf<PlaceOrderResult.Rejected>());
            Assert.That(wrongTick, Is.TypeOf<PlaceOrderResult.Rejected>());
        }
    }

    [Test]
    public async Task A_quantity_below_the_minimum_is_refused()
    {
        var rules = await Exchange.GetInstrumentAsync(BtcUsdt, CancellationToken.None);

        var placed = await Exchange.PlaceOrderAsync(new OrderRequest(NextKey(), BtcUsdt, Side.Buy, OrderType.Market, new Quantity(rules.MinQuantity.Units - 1), null), CancellationToken.None);

        Assert.That(placed, Is.TypeOf<PlaceOrderResult.Rejected>());
    }

    [Test]
    public async Task An_order_the_exchange_never_saw_is_not_found()
    {
        var lookup = await Exchange.GetOrderAsync(BtcUsdt, NextKey(), CancellationToken.None);

        Assert.That(lookup, Is.TypeOf<OrderLookupResult.NotFound>());
    }
}
