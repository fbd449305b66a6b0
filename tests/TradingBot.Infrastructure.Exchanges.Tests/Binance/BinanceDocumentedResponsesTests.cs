using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.TestBinance;

namespace TradingBot.Infrastructure.Exchanges.Tests.Binance;

/// <summary>
/// The response examples of the USDⓈ-M futures documentation, served over HTTP, become exactly the ledger's
/// 1e-8 integers: premiumIndex, fundingRate, exchangeInfo, an order, userTrades, positionRisk v3, balance v3
/// and income.
/// </summary>
[TestFixture]
public sealed class BinanceDocumentedResponsesTests
{
    private const string PremiumIndex = """
        {"symbol":"BTCUSDT","markPrice":"11793.63104562","indexPrice":"11781.80495970","estimatedSettlePrice":"11781.16138815","lastFundingRate":"0.00038246","interestRate":"0.00010000","nextFundingTime":1597392000000,"time":1597370495002}
        """;

    private const string FundingRateHistory = """
        [{"symbol":"BTCUSDT","fundingRate":"-0.03750000","fundingTime":1570608000000,"markPrice":"34287.54619963"},
         {"symbol":"BTCUSDT","fundingRate":"0.00010000","fundingTime":1570636800000,"markPrice":""}]
        """;

    private const string ExchangeInfo = """
        {"exchangeFilters":[],"rateLimits":[{"interval":"MINUTE","intervalNum":1,"limit":2400,"rateLimitType":"REQUEST_WEIGHT"},{"interval":"MINUTE","intervalNum":1,"limit":1200,"rateLimitType":"ORDERS"}],
         "serverTime":1565613908500,
         "assets":[{"asset":"BTC","marginAvailable":true,"autoAssetExchange":"-0.10"},{"asset":"USDT","marginAvailable":true,"autoAssetExchange":"0"},{"asset":"BNB","marginAvailable":false,"autoAssetExchange":null}],
         "symbols":[{"symbol":"BLZUSDT","pair":"BLZUSDT","contractType":"PERPETUAL","deliveryDate":4133404800000,"onboardDate":1598252400000,"status":"TRADING","maintMarginPercent":"2.5000","requiredMarginPercent":"5.0000","baseAsset":"BLZ","quoteAsset":"USDT","marginAsset":"USDT","pricePrecision":5,"quantityPrecision":0,"baseAssetPrecision":8,"quotePrecision":8,"underlyingType":"COIN","underlyingSubType":["STORAGE"],"settlePlan":0,"triggerProtect":"0.15",
           "filters":[{"filterType":"PRICE_FILTER","maxPrice":"300","minPrice":"0.0001","tickSize":"0.0001"},{"filterType":"LOT_SIZE","maxQty":"10000000","minQty":"1","stepSize":"1"},{"filterType":"MARKET_LOT_SIZE","maxQty":"590119","minQty":"1","stepSize":"1"},{"filterType":"MAX_NUM_ORDERS","limit":200},{"filterType":"MAX_NUM_ALGO_ORDERS","limit":10},{"filterType":"MIN_NOTIONAL","notional":"5.0"},{"filterType":"PERCENT_PRICE","multiplierUp":"1.1500","multiplierDown":"0.8500","multiplierDecimal":"4"}],
           "OrderType":["LIMIT","MARKET","STOP","STOP_MARKET","TAKE_PROFIT","TAKE_PROFIT_MARKET","TRAILING_STOP_MARKET"],"timeInForce":["GTC","IOC","FOK","GTX"],"liquidationFee":"0.010000","marketTakeBound":"0.30"},
          {"symbol":"BTCUSDT_250328","pair":"BTCUSDT","contractType":"CURRENT_QUARTER","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","filters":[]}],
         "timezone":"UTC"}
        """;

    // The documentation's Modify Order response: a resting LIMIT BUY.
    private const string Order = """
        {"orderId":20072994037,"symbol":"BTCUSDT","pair":"BTCUSDT","status":"NEW","clientOrderId":"LJ9R4QZDihCaS8UAOOLpgW","price":"30005","avgPrice":"0.0","origQty":"1","executedQty":"0","cumQty":"0","cumBase":"0","timeInForce":"GTC","type":"LIMIT","reduceOnly":false,"closePosition":false,"side":"BUY","positionSide":"LONG","stopPrice":"0","workingType":"CONTRACT_PRICE","priceProtect":false,"origType":"LIMIT","priceMatch":"NONE","selfTradePreventionMode":"NONE","goodTillDate":0,"updateTime":1629182711600}
        """;

    private const string UserTrades = """
        [{"buyer":false,"commission":"-0.07819010","commissionAsset":"USDT","id":698759,"maker":false,"orderId":25851813,"price":"7819.01","qty":"0.002","quoteQty":"15.63802","realizedPnl":"-0.91539999","side":"SELL","positionSide":"SHORT","symbol":"BTCUSDT","time":1569514978020}]
        """;

    private const string PositionRiskOneWay = """
        [{"symbol":"ADAUSDT","positionSide":"BOTH","positionAmt":"30","entryPrice":"0.385","breakEvenPrice":"0.385077","markPrice":"0.41047590","unRealizedProfit":"0.76427700","liquidationPrice":"0","isolatedMargin":"0","notional":"12.31427700","marginAsset":"USDT","isolatedWallet":"0","initialMargin":"0.61571385","maintMargin":"0.08004280","positionInitialMargin":"0.61571385","openOrderInitialMargin":"0","adl":2,"bidNotional":"0","askNotional":"0","updateTime":1720736417660},
         {"symbol":"BTCUSDT","positionSide":"BOTH","positionAmt":"0.000","entryPrice":"0.0","breakEvenPrice":"0.0","markPrice":"6679.50671178","unRealizedProfit":"0.00000000","liquidationPrice":"0","isolatedMargin":"0","notional":"0","marginAsset":"USDT","isolatedWallet":"0","initialMargin":"0","maintMargin":"0","positionInitialMargin":"0","openOrderInitialMargin":"0","adl":0,"bidNotional":"0","askNotional":"0","updateTime":0}]
        """;

    private const string PositionRiskHedge = """
        [{"symbol":"COMPUSDT","positionSide":"SHORT","positionAmt":"-1.000","entryPrice":"70.92841","breakEvenPrice":"70.900038636","markPrice":"49.72023376","unRealizedProfit":"21.20817624","liquidationPrice":"2260.56757210","isolatedMargin":"0","notional":"-49.72023376","marginAsset":"USDT","isolatedWallet":"0","initialMargin":"2.48601168","maintMargin":"0.49720233","positionInitialMargin":"2.48601168","openOrderInitialMargin":"0","adl":2,"bidNotional":"0","askNotional":"0","updateTime":1708943511656}]
        """;

    private const string Balance = """
        [{"accountAlias":"SgsR","asset":"USDT","balance":"122607.35137903","crossWalletBalance":"23.72469206","crossUnPnl":"0.00000000","availableBalance":"23.72469206","maxWithdrawAmount":"23.72469206","marginAvailable":true,"updateTime":1617939110373},
         {"accountAlias":"SgsR","asset":"BNB","balance":"0.00000000","crossWalletBalance":"0.00000000","crossUnPnl":"0.00000000","availableBalance":"0.00000000","maxWithdrawAmount":"0.00000000","marginAvailable":false,"updateTime":0}]
        """;

    private const string Income = """
        [{"symbol":"BTCUSDT","incomeType":"FUNDING_FEE","income":"-0.01000000","asset":"USDT","info":"FUNDING_FEE","time":1570636800000,"tranId":9689322392,"tradeId":""},
         {"symbol":"ETHUSDT","incomeType":"FUNDING_FEE","income":"0.00523000","asset":"USDT","info":"FUNDING_FEE","time":1570636800000,"tranId":9689322393,"tradeId":""}]
        """;

    private static readonly Symbol BtcUsdt = new("BTCUSDT");
    private BinanceTestHost _host = null!;

    [SetUp]
    public async Task StartAsync() => _host = await BinanceTestHost.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    private void Serve(string endpoint, string body) => _host.Server.Script(endpoint, new FakeReply.Answer(200, body));

    [Test]
    public async Task The_mark_price_index_and_funding_rate_are_exact()
    {
        Serve("GET /fapi/v1/premiumIndex", PremiumIndex);

        var quote = await _host.Exchange.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(quote.MarkPrice.Units, Is.EqualTo(1_179_363_104_562));
            Assert.That(quote.IndexPrice.Units, Is.EqualTo(1_178_180_495_970));
            Assert.That(quote.Rate.Units, Is.EqualTo(38_246));
            Assert.That(quote.Rate.ToBasisPointsString(), Is.EqualTo("3.8246"));
            Assert.That(quote.NextFundingTime, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1597392000000)));
            Assert.That(quote.Time, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1597370495002)));
        }
    }

    [Test]
    public async Task The_funding_rate_history_is_exact_and_an_empty_mark_price_is_absent()
    {
        Serve("GET /fapi/v1/fundingRate", FundingRateHistory);

        var history = await _host.Exchange.GetFundingRateHistoryAsync(BtcUsdt, DateTimeOffset.FromUnixTimeMilliseconds(1570608000000), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(history[0].Rate.Units, Is.EqualTo(-3_750_000));
            Assert.That(history[0].MarkPrice!.Value.Units, Is.EqualTo(3_428_754_619_963));
            Assert.That(history[1].MarkPrice, Is.Null);
            Assert.That(_host.Server.RequestsTo("GET /fapi/v1/fundingRate").Select(r => r.Parameters["startTime"]), Is.Not.Empty.And.All.EqualTo("1570608000000"), "a read may be retried after a slow attempt, with the same parameters");
        }
    }

    [Test]
    public async Task The_trading_rules_come_from_the_price_filter_and_lot_size()
    {
        Serve("GET /fapi/v1/exchangeInfo", ExchangeInfo);

        var rules = await _host.Exchange.GetInstrumentAsync(new Symbol("BLZUSDT"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rules.BaseAsset, Is.EqualTo(new Asset("BLZ")));
            Assert.That(rules.QuoteAsset, Is.EqualTo(new Asset("USDT")));
            Assert.That(rules.TickSize, Is.EqualTo(Price.Parse("0.0001")));
            Assert.That(rules.StepSize, Is.EqualTo(Quantity.Parse("1")));
            Assert.That(rules.MinQuantity, Is.EqualTo(Quantity.Parse("1")));
        }
    }

    [Test]
    public async Task A_symbol_binance_does_not_list_is_a_clear_error()
    {
        Serve("GET /fapi/v1/exchangeInfo", ExchangeInfo);

        await Assert.ThatAsync(
            () => _host.Exchange.GetInstrumentAsync(new Symbol("DOGEUSDT"), CancellationToken.None),
            Throws.TypeOf<SymbolNotListedException>().With.Message.Contains("does not list DOGEUSDT"));
    }

    [Test]
    public async Task A_documented_limit_order_is_found_by_its_client_order_id()
    {
        Serve("GET /fapi/v1/order", Order);

        var lookup = await _host.Exchange.GetOrderAsync(BtcUsdt, new IdempotencyKey("LJ9R4QZDihCaS8UAOOLpgW"), CancellationToken.None);

        var state = ((OrderLookupResult.Found)lookup).State;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(state.ExchangeOrderId, Is.EqualTo("20072994037"));
            Assert.That(state.Type, Is.EqualTo(OrderType.Limit));
            Assert.That(state.Side, Is.EqualTo(Side.Buy));
            Assert.That(state.LimitPrice, Is.EqualTo(Price.Parse("30005")));
            Assert.That(state.Quantity, Is.EqualTo(Quantity.Parse("1")));
            Assert.That(state.FilledQuantity, Is.EqualTo(Quantity.Zero));
            Assert.That(state.Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(state.UpdatedAt, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1629182711600)));
            Assert.That(_host.Server.RequestsTo("GET /fapi/v1/order").Select(r => r.Parameters["origClientOrderId"]), Is.Not.Empty.And.All.EqualTo("LJ9R4QZDihCaS8UAOOLpgW"), "a read may be retried after a slow attempt, with the same parameters");
        }
    }

    [Test]
    public async Task A_documented_trade_keeps_its_negative_commission_as_a_rebate_and_gets_a_qualified_fill_id()
    {
        Serve("GET /fapi/v1/userTrades", UserTrades);

        var trades = await _host.Exchange.GetTradesAsync(BtcUsdt, DateTimeOffset.FromUnixTimeMilliseconds(1569514978020), CancellationToken.None);

        var trade = trades.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(trade.ExchangeFillId.Value, Is.EqualTo("BINANCE:BTCUSDT:698759"));
            Assert.That(trade.ExchangeOrderId, Is.EqualTo("25851813"));
            Assert.That(trade.ClientOrderId, Is.Null, "the fake server does not know order 25851813, as Binance forgets orders after 90 days");
            Assert.That(trade.Side, Is.EqualTo(Side.Sell));
            Assert.That(trade.Price.Units, Is.EqualTo(781_901_000_000));
            Assert.That(trade.Quantity.Units, Is.EqualTo(200_000));
            Assert.That(trade.Fee, Is.EqualTo(new Money(new Asset("USDT"), new Amount(-7_819_010))));
            Assert.That(trade.Time, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1569514978020)));
        }
    }

    [Test]
    public async Task A_fee_paid_in_bnb_is_kept_in_bnb()
    {
        Serve("GET /fapi/v1/userTrades", UserTrades.Replace("\"commission\":\"-0.07819010\",\"commissionAsset\":\"USDT\"", "\"commission\":\"0.00012345\",\"commissionAsset\":\"BNB\"", StringComparison.Ordinal));

        var trade = (await _host.Exchange.GetTradesAsync(BtcUsdt, DateTimeOffset.FromUnixTimeMilliseconds(1569514978020), CancellationToken.None)).Single();

        Assert.That(trade.Fee, Is.EqualTo(new Money(new Asset("BNB"), new Amount(12_345))));
    }

    [Test]
    public async Task The_same_trade_id_on_two_symbols_gives_two_fill_ids()
    {
        Serve("GET /fapi/v1/userTrades", UserTrades);
        var btc = (await _host.Exchange.GetTradesAsync(BtcUsdt, DateTimeOffset.FromUnixTimeMilliseconds(1569514978020), CancellationToken.None)).Single();
        Serve("GET /fapi/v1/userTrades", UserTrades.Replace("BTCUSDT", "ETHUSDT", StringComparison.Ordinal));
        var eth = (await _host.Exchange.GetTradesAsync(new Symbol("ETHUSDT"), DateTimeOffset.FromUnixTimeMilliseconds(1569514978020), CancellationToken.None)).Single();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(eth.ExchangeFillId.Value, Is.EqualTo("BINANCE:ETHUSDT:698759"));
            Assert.That(eth.ExchangeFillId, Is.Not.EqualTo(btc.ExchangeFillId));
        }
    }

    [Test]
    public async Task A_one_way_position_is_reported_with_its_entry_price_and_flat_ones_are_left_out()
    {
        Serve("GET /fapi/v3/positionRisk", PositionRiskOneWay);

        var positions = await _host.Exchange.GetPositionsAsync(CancellationToken.None);

        Assert.That(positions, Is.EqualTo(new[] { new TradingBot.Domain.Reconciliation.PositionView(new Symbol("ADAUSDT"), Amount.Parse("30"), Price.Parse("0.385")) }));
    }

    [Test]
    public async Task A_hedge_mode_position_is_refused_because_the_ledger_nets_one_position_per_symbol()
    {
        Serve("GET /fapi/v3/positionRisk", PositionRiskHedge);

        await Assert.ThatAsync(
            () => _host.Exchange.GetPositionsAsync(CancellationToken.None),
            Throws.TypeOf<ExchangeException>().With.Message.Contains("GET /fapi/v3/positionRisk").And.Message.Contains("hedge mode"));
    }

    [Test]
    public async Task Balances_are_exact_and_empty_assets_are_left_out()
    {
        Serve("GET /fapi/v3/balance", Balance);

        var balance = (await _host.Exchange.GetBalancesAsync(CancellationToken.None)).Single();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(balance.Asset, Is.EqualTo(new Asset("USDT")));
            Assert.That(balance.Wallet.Units, Is.EqualTo(12_260_735_137_903));
            Assert.That(balance.Available.Units, Is.EqualTo(2_372_469_206));
        }
    }

    [Test]
    public async Task Funding_fees_become_funding_payments_with_ids_unique_per_symbol()
    {
        Serve("GET /fapi/v1/income", Income);

        var payments = await _host.Exchange.GetFundingPaymentsAsync(DateTimeOffset.FromUnixTimeMilliseconds(1570636800000), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(payments.Select(p => p.ExchangePaymentId), Is.EqualTo((string[])["BINANCE:FUNDING:BTCUSDT:9689322392", "BINANCE:FUNDING:ETHUSDT:9689322393"]));
            Assert.That(payments[0].Amount, Is.EqualTo(new Money(new Asset("USDT"), new Amount(-1_000_000))));
            Assert.That(payments[1].Amount.Amount.Units, Is.EqualTo(523_000));
            Assert.That(payments[0].Exchange.Value, Is.EqualTo("BINANCE"));
            Assert.That(_host.Server.RequestsTo("GET /fapi/v1/income")[0].Parameters["incomeType"], Is.EqualTo("FUNDING_FEE"));
        }
    }
}
