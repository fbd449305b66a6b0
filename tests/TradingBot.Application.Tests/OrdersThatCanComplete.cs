using Moq;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Tests.Support;
using TradingBot.Application.Trading;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Tests;

/// <summary>
/// An order is rounded to its symbol's rules before its intent is written, so the ledger holds exactly what is sent; it
/// is sent once, before its send deadline, by a worker that has just confirmed its lease.
/// </summary>
public class OrdersThatCanComplete : LedgerTestBase
{
    private static readonly InstrumentRules BinanceLikeBtc =
        new(BtcUsdt, new Asset("BTC"), new Asset("USDT"), Price.Parse("0.1"), Quantity.Parse("0.001"), Quantity.Parse("0.001"))
        {
            MarketStepSize = Quantity.Parse("0.001"),
            MarketMinQuantity = Quantity.Parse("0.001"),
            MinNotional = Amount.Parse("100"),
        };

    private readonly List<OrderRequest> _sent = [];

    [SetUp]
    public void ExchangeTakesEverything()
    {
        _sent.Clear();
        Exchange.Setup(e => e.GetInstrumentAsync(BtcUsdt, It.IsAny<CancellationToken>())).ReturnsAsync(BinanceLikeBtc);
        Exchange
            .Setup(e => e.PlaceOrderAsync(It.IsAny<OrderRequest>(), It.IsAny<CancellationToken>()))
            .Callback((OrderRequest request, CancellationToken _) => _sent.Add(request))
            .ReturnsAsync((OrderRequest request, CancellationToken _) => new PlaceOrderResult.Accepted(new ExchangeOrderState(
                "8801", request.ClientOrderId.Value, request.Symbol, request.Side, request.Type, request.Quantity, request.LimitPrice, Quantity.Zero, OrderStatus.Open, Start)));
    }

    private static PlaceOrderCommand SellMarket(string quantity, string leg = "open", bool reduceOnly = false) =>
        new(Intent(leg), Side.Sell, OrderType.Market, Quantity.Parse(quantity), null, "test") { ReferencePrice = Price.Parse("64000"), ReduceOnly = reduceOnly };

    [Test]
    public async Task A_quantity_off_the_step_is_rounded_down_before_the_intent_is_written_and_the_ledger_holds_what_is_sent()
    {
        var outcome = await NewPlaceOrder().ExecuteAsync(SellMarket("0.0105"), CancellationToken.None);

        var decision = AuditOf(AuditEventType.Decision).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Placed>());
            Assert.That(_sent.Single().Quantity, Is.EqualTo(Quantity.Parse("0.01")));
            Assert.That(Ledger.Orders.Single().Quantity, Is.EqualTo(_sent.Single().Quantity));
            Assert.That(decision.Data["requested_quantity"], Is.EqualTo("0.0105"));
            Assert.That(decision.Data["quantity"], Is.EqualTo("0.01"));
        }
    }

    [TestCase("0.0009", "below the minimum")]
    [TestCase("0.0015", "notional")]
    public async Task An_order_the_rules_refuse_is_not_placeable_and_nothing_is_written_or_sent(string quantity, string problem)
    {
        var outcome = await NewPlaceOrder().ExecuteAsync(SellMarket(quantity), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((PlaceOrderOutcome.NotPlaceable)outcome).Reason, Does.Contain(problem));
            Assert.That(Ledger.Orders, Is.Empty);
            Assert.That(Ledger.AuditEvents, Is.Empty);
            Assert.That(_sent, Is.Empty);
        }
    }

    [Test]
    public async Task A_reduce_only_order_under_the_minimum_notional_is_sent_as_binance_exempts_it()
    {
        var outcome = await NewPlaceOrder().ExecuteAsync(SellMarket("0.0015", leg: "close", reduceOnly: true), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Placed>());
            Assert.That((_sent.Single().Quantity, _sent.Single().ReduceOnly), Is.EqualTo((Quantity.Parse("0.001"), true)));
        }
    }

    [TestCase(Side.Buy, "64000.19", "64000.1")]
    [TestCase(Side.Sell, "64000.11", "64000.2")]
    [TestCase(Side.Sell, "64000.1", "64000.1")]
    public void A_limit_price_off_the_tick_moves_to_the_passive_side_never_a_worse_price(Side side, string asked, string sent)
    {
        var sized = OrderSizing.Size(BinanceLikeBtc, OrderType.Limit, side, Quantity.Parse("0.01"), Price.Parse(asked), null, reduceOnly: false);

        Assert.That(sized.LimitPrice, Is.EqualTo(Price.Parse(sent)));
    }

    [Test]
    public async Task An_intent_past_its_send_deadline_is_not_sent_and_stays_pending_for_resolution()
    {
        Ledger.AfterCommit = () => Clock.Advance(TimeSpan.FromSeconds(11)); // the intent's commit took longer than MaxSendDelay

        var outcome = await NewPlaceOrder().ExecuteAsync(SellMarket("0.01"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((PlaceOrderOutcome.Unknown)outcome).Reason, Does.Contain("send deadline"));
            Assert.That(_sent, Is.Empty);
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Pending));
        }
    }

    [Test]
    public async Task The_intent_is_written_with_its_send_deadline_and_never_placed_verdict()
    {
        await NewPlaceOrder().ExecuteAsync(SellMarket("0.01"), CancellationToken.None);

        var deadlines = Ledger.Orders.Single().Deadlines;
        Assert.That(deadlines, Is.EqualTo(new OrderDeadlines(Start + TimeSpan.FromSeconds(10), Start + TimeSpan.FromSeconds(10 + 5 + 30))));
    }

    [Test]
    public async Task The_lease_is_confirmed_right_before_the_order_is_sent_and_its_deadline_goes_with_it()
    {
        await NewPlaceOrder().ExecuteAsync(SellMarket("0.01"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Lease.Confirmations, Is.EqualTo(1));
            Assert.That(_sent.Single().SendDeadline, Is.EqualTo(Ledger.Orders.Single().CreatedAt + Timing.MaxSendDelay));
        }
    }

    [Test]
    public async Task A_worker_that_lost_its_lease_sends_nothing_and_leaves_the_intent_pending()
    {
        Lease.Held = false;

        var outcome = await NewPlaceOrder().ExecuteAsync(SellMarket("0.01"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.LeaseLost>());
            Assert.That(_sent, Is.Empty);
            Assert.That(Ledger.Orders.Single().Status, Is.EqualTo(OrderStatus.Pending));
        }
    }

    [Test]
    public async Task The_start_up_check_names_an_unlisted_symbol_and_a_quantity_the_rules_refuse()
    {
        var doge = new Symbol("DOGEUSDT");
        Exchange.Setup(e => e.GetInstrumentAsync(doge, It.IsAny<CancellationToken>())).ThrowsAsync(new SymbolNotListedException("GET /fapi/v1/exchangeInfo does not list DOGEUSDT"));
        Exchange.Setup(e => e.GetFundingQuoteAsync(BtcUsdt, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new FundingQuote(BtcUsdt, default, Price.Parse("64000"), Price.Parse("64000"), Start.AddHours(8), Start));
        var settings = new CycleSettings([BtcUsdt, doge], TimeSpan.FromSeconds(2), new FundingHarvestSettings(default, default, Quantity.Parse("0.0005")), "test");

        var check = await new CheckTradingRules(Exchange.Object).ExecuteAsync(settings, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(check.Problems, Has.Count.EqualTo(2));
            Assert.That(check.Problems, Has.One.StartsWith("Strategy:OrderQuantity 0.0005 cannot be traded on BTCUSDT"));
            Assert.That(check.Problems, Has.One.StartsWith("Strategy:Symbols lists DOGEUSDT"));
        }
    }

    [Test]
    public async Task The_start_up_check_notes_a_quantity_that_is_traded_rounded()
    {
        Exchange.Setup(e => e.GetFundingQuoteAsync(BtcUsdt, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new FundingQuote(BtcUsdt, default, Price.Parse("64000"), Price.Parse("64000"), Start.AddHours(8), Start));
        var settings = new CycleSettings([BtcUsdt], TimeSpan.FromSeconds(2), new FundingHarvestSettings(default, default, Quantity.Parse("0.0105")), "test");

        var check = await new CheckTradingRules(Exchange.Object).ExecuteAsync(settings, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(check.Problems, Is.Empty);
            Assert.That(check.Notes.Single(), Does.Contain("traded on BTCUSDT as 0.01"));
        }
    }
}
