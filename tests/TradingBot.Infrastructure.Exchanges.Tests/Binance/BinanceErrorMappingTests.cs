using System.Diagnostics;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.TestBinance;

namespace TradingBot.Infrastructure.Exchanges.Tests.Binance;

/// <summary>
/// How Binance's error answers, rate limits, 5xx, timeouts and lost connections become the port's values
/// and errors, over real HTTP against the fake server.
/// </summary>
[TestFixture]
public sealed class BinanceErrorMappingTests
{
    private const string PostOrder = "POST /fapi/v1/order";
    private const string GetOrder = "GET /fapi/v1/order";
    private const string Balance = "GET /fapi/v3/balance";
    private const string UnknownError = """{"code":-1000,"msg":"Unknown error, please check your request or try again later."}""";
    private static readonly Symbol BtcUsdt = new("BTCUSDT");
    private static readonly Dictionary<string, string> RetryAfterOneSecond = new() { ["Retry-After"] = "1" };
    private static readonly Dictionary<string, string> RetryAfterTwoMinutes = new() { ["Retry-After"] = "120" };
    private BinanceTestHost? _host;
    private int _keys;

    [TearDown]
    public async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private async Task<BinanceTestHost> StartAsync(Action<TradingBot.Infrastructure.Exchanges.Binance.BinanceOptions>? configure = null, TradingBot.Infrastructure.Exchanges.Paper.PaperFaults? faults = null) =>
        _host = await BinanceTestHost.StartAsync(configure, faults);

    [Test]
    public async Task An_order_whose_answer_was_lost_is_does_not_exist_for_a_while_then_found()
    {
        var host = await StartAsync(faults: new TradingBot.Infrastructure.Exchanges.Paper.PaperFaults { AnswerLostPercent = 100, LateVisibilitySeconds = 3 });
        var key = NextKey();

        var placed = await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);
        var early = await host.Exchange.GetOrderAsync(BtcUsdt, key, CancellationToken.None);
        host.Server.AdvanceClock(TimeSpan.FromSeconds(4));
        var late = await host.Exchange.GetOrderAsync(BtcUsdt, key, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Unknown>(), "503 Unknown error: it executed");
            Assert.That(early, Is.TypeOf<OrderLookupResult.NotFound>(), "-2013 from the query service");
            Assert.That(late, Is.TypeOf<OrderLookupResult.Found>());
        }
    }

    [Test]
    public async Task A_redirect_is_never_followed_and_the_error_names_where_it_pointed()
    {
        var host = await StartAsync();
        var elsewhere = new Dictionary<string, string> { ["Location"] = "http://127.0.0.1:9/steal?key=1" };
        host.Server.Script(Balance, new FakeReply.Answer(302, string.Empty, elsewhere));
        host.Server.Script(PostOrder, new FakeReply.Answer(307, string.Empty, elsewhere));

        var read = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetBalancesAsync(CancellationToken.None));
        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(read!.Message, Does.Contain("redirect to http://127.0.0.1:9/steal").And.Contain("not followed").And.Not.Contain(FakeBinanceServer.ApiKey));
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Unknown>(), "a redirected POST may or may not have been processed");
            Assert.That(host.Server.RequestsTo(Balance), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task A_recent_trade_whose_order_binance_does_not_show_yet_fails_the_read_and_is_complete_next_time()
    {
        var host = await StartAsync();
        var key = NextKey();
        await host.Server.PlaceDirectlyAsync(Market(key)); // the adapter has not seen its answer
        host.Server.Script(GetOrder, FakeReply.Error(400, -2013, "Order does not exist."));

        var first = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetTradesAsync(BtcUsdt, DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None));
        var second = await host.Exchange.GetTradesAsync(BtcUsdt, DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first!.Message, Does.Contain("not visible yet"));
            Assert.That(second, Is.Not.Empty);
            Assert.That(second.Select(t => (t.ClientOrderId, t.OrderKind)), Has.All.EqualTo((key.Value, "MARKET")));
        }
    }

    [Test]
    public async Task A_trade_of_a_liquidation_carries_binances_client_id_and_order_type()
    {
        var host = await StartAsync(faults: new TradingBot.Infrastructure.Exchanges.Paper.PaperFaults { ExchangeClosePercent = 100 });
        await host.Exchange.PlaceOrderAsync(Market(NextKey()) with { Side = Side.Sell }, CancellationToken.None);

        host.Server.AdvanceClock(TimeSpan.FromHours(4));
        var trades = await host.Exchange.GetTradesAsync(BtcUsdt, DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);

        var closing = trades.Where(t => t.Side == Side.Buy).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(closing, Is.Not.Empty);
            Assert.That(closing.Select(t => t.ClientOrderId), Has.All.Match("^(autoclose-.+|adl_autoclose)$"));
            Assert.That(closing.Select(t => t.OrderKind), Has.All.AnyOf("LIMIT", "MARKET"));
        }
    }

    [Test]
    public async Task Open_orders_of_every_type_are_read_with_their_own_type_name()
    {
        var host = await StartAsync(faults: new TradingBot.Infrastructure.Exchanges.Paper.PaperFaults { ForeignOpenOrders = true });

        var open = await host.Exchange.GetOpenOrdersAsync(null, CancellationToken.None);

        Assert.That(open.Select(o => o.NativeType), Is.EquivalentTo((string[])["STOP_MARKET", "TAKE_PROFIT", "TRAILING_STOP_MARKET"]));
    }

    [Test]
    public async Task A_reduce_only_close_larger_than_the_position_is_refused_with_binances_code()
    {
        var host = await StartAsync();

        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()) with { ReduceOnly = true }, CancellationToken.None);

        Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("-2022"));
    }

    private IdempotencyKey NextKey() =>
        IdempotencyKey.For(new TradingIntent("errors", new ExchangeName("BINANCE"), BtcUsdt, DateTimeOffset.UnixEpoch.AddMinutes(Interlocked.Increment(ref _keys)), "open"));

    private static OrderRequest Market(IdempotencyKey key) => new(key, BtcUsdt, Side.Buy, OrderType.Market, Quantity.Parse("0.01"), null);

    private static async Task<OrderRequest> RestingAsync(BinanceTestHost host, IdempotencyKey key)
    {
        var mark = (await host.Exchange.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None)).MarkPrice;
        return new OrderRequest(key, BtcUsdt, Side.Buy, OrderType.Limit, Quantity.Parse("0.01"), new Price(mark.Units / 2 / 10_000_000 * 10_000_000));
    }

    [Test]
    public async Task A_duplicate_client_order_id_is_looked_up_and_answered_with_the_existing_order()
    {
        var host = await StartAsync();
        var key = NextKey();
        var existing = await host.Server.PlaceDirectlyAsync(await RestingAsync(host, key)); // open: Binance answers -4116

        var placed = await host.Exchange.PlaceOrderAsync(await RestingAsync(host, key), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Accepted>());
            Assert.That(((PlaceOrderResult.Accepted)placed).State.ExchangeOrderId, Is.EqualTo(existing.ExchangeOrderId));
            Assert.That(host.Server.RequestsTo(PostOrder).Single().RefusedWith, Is.Null);
            Assert.That((await host.Exchange.GetOpenOrdersAsync(BtcUsdt, CancellationToken.None)).Count(o => o.ClientOrderId == key.Value), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task An_order_is_one_post_with_nothing_in_front_of_it_but_the_server_time()
    {
        var host = await StartAsync();
        var key = NextKey();
        await host.Exchange.GetBalancesAsync(CancellationToken.None); // the clock is measured and exchangeInfo is read beforehand
        await host.Exchange.GetInstrumentAsync(BtcUsdt, CancellationToken.None);
        var before = host.Server.Requests.Count;

        var placed = await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Accepted>());
            Assert.That(host.Server.Requests.Skip(before).Select(r => r.Endpoint), Is.EqualTo((string[])[PostOrder]), "no look-up between the ledger's lease check and the POST");
            Assert.That(host.Server.RequestsTo(PostOrder).Single().Parameters["newClientOrderId"], Is.EqualTo(key.Value));
        }
    }

    [Test]
    public async Task Binance_takes_the_id_of_a_closed_order_as_a_new_order_which_is_why_the_ledger_never_sends_a_key_twice()
    {
        var host = await StartAsync();
        var key = NextKey();

        var first = (PlaceOrderResult.Accepted)await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);
        var second = (PlaceOrderResult.Accepted)await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);

        Assert.That(second.State.ExchangeOrderId, Is.Not.EqualTo(first.State.ExchangeOrderId));
    }

    [Test]
    public async Task An_order_binance_never_saw_is_not_found_and_cannot_be_cancelled()
    {
        var host = await StartAsync();
        var key = NextKey();

        var lookup = await host.Exchange.GetOrderAsync(BtcUsdt, key, CancellationToken.None);
        var cancel = await host.Exchange.CancelOrderAsync(BtcUsdt, key, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(lookup, Is.TypeOf<OrderLookupResult.NotFound>());
            Assert.That(cancel, Is.TypeOf<CancelOrderResult.NotFound>());
        }
    }

    [Test]
    public async Task Cancelling_a_filled_order_answers_its_filled_state()
    {
        var host = await StartAsync();
        var key = NextKey();
        await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);

        var cancel = await host.Exchange.CancelOrderAsync(BtcUsdt, key, CancellationToken.None);

        Assert.That(((CancelOrderResult.Done)cancel).State.Status, Is.EqualTo(OrderStatus.Filled));
    }

    [Test]
    public async Task A_read_refused_for_its_timestamp_resynchronises_the_clock_and_succeeds()
    {
        var host = await StartAsync();
        await host.Exchange.GetBalancesAsync(CancellationToken.None);
        host.Server.AdvanceClock(TimeSpan.FromSeconds(30));

        var balances = await host.Exchange.GetBalancesAsync(CancellationToken.None);

        var requests = host.Server.Requests.Select(r => (r.Endpoint, r.RefusedWith)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(balances, Is.Not.Empty);
            Assert.That(requests[^3..], Is.EqualTo(new (string, int?)[] { (Balance, -1021), ("GET /fapi/v1/time", null), (Balance, null) }));
        }
    }

    [Test]
    public async Task An_order_refused_for_its_timestamp_is_rejected_and_never_sent_twice_while_the_clock_is_re_measured()
    {
        var host = await StartAsync();
        var key = NextKey();
        host.Server.Script(PostOrder, FakeReply.Error(400, -1021, "Timestamp for this request is outside of the recvWindow."));

        var placed = await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Rejected>());
            Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("-1021"));
            Assert.That(host.Server.RequestsTo(PostOrder), Has.Count.EqualTo(1), "a key is sent once");
            Assert.That(
                host.Server.Requests.Select(r => r.Endpoint).SkipWhile(e => e != PostOrder).ToList(),
                Is.EqualTo((string[])[PostOrder, "GET /fapi/v1/time"]),
                "the clock is re-measured for the next request");
            Assert.That(await host.Exchange.GetOrderAsync(BtcUsdt, key, CancellationToken.None), Is.TypeOf<OrderLookupResult.NotFound>());
        }
    }

    [Test]
    public async Task A_timestamp_refused_again_after_resynchronising_is_a_clear_clock_error()
    {
        var host = await StartAsync();
        var refused = FakeReply.Error(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.");
        host.Server.Script(Balance, refused, refused);
        host.Server.Script(PostOrder, refused, refused);

        var read = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetBalancesAsync(CancellationToken.None));
        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(read!.Message, Does.Contain("-1021").And.Contain("Exchange:Binance:RecvWindowMs"));
            Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("-1021").And.Contain("clock"));
            Assert.That(host.Server.RequestsTo(PostOrder), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task A_wrong_secret_is_a_clear_signature_error_that_never_shows_the_secret()
    {
        const string wrongSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
        var host = await StartAsync(o => o.ApiSecret = wrongSecret);

        var read = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetBalancesAsync(CancellationToken.None));
        var lookup = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetOrderAsync(BtcUsdt, NextKey(), CancellationToken.None));
        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()), CancellationToken.None);

        var everything = string.Join("\n", [read!.ToString(), lookup!.ToString(), placed.ToString(), .. host.Logs.Lines]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(read.Message, Does.Contain("-1022").And.Contain("Exchange:Binance:ApiSecret"));
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Rejected>());
            Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("-1022"));
            Assert.That(host.Server.RequestsTo(PostOrder).Select(r => r.RefusedWith), Has.All.EqualTo(-1022), "nothing is placed with a bad signature");
            Assert.That(everything, Does.Not.Contain(wrongSecret).And.Not.Contain(FakeBinanceServer.ApiKey));
        }
    }

    [Test]
    public async Task A_refused_api_key_is_a_clear_error_that_never_shows_the_key()
    {
        const string wrongKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
        var host = await StartAsync(o => o.ApiKey = wrongKey);

        var read = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetPositionsAsync(CancellationToken.None));
        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()), CancellationToken.None);

        var everything = string.Join("\n", [read!.ToString(), placed.ToString(), .. host.Logs.Lines]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(read.Message, Does.Contain("-2015").And.Contain("Exchange:Binance:ApiKey"));
            Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("-2015"));
            Assert.That(everything, Does.Not.Contain(wrongKey).And.Not.Contain(FakeBinanceServer.ApiSecret));
        }
    }

    [Test]
    public async Task The_key_and_secret_never_appear_in_any_log_line_of_a_busy_session()
    {
        var host = await StartAsync();
        var key = NextKey();
        host.Server.Script(Balance, new FakeReply.Answer(503, "Service Unavailable."));
        await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);
        await host.Exchange.GetBalancesAsync(CancellationToken.None);
        await host.Exchange.GetTradesAsync(BtcUsdt, DateTimeOffset.UtcNow.AddDays(-1), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(host.Logs.Lines, Has.Some.Contains("X-MBX-APIKEY"), "the HTTP client logs headers at Trace level");
            Assert.That(host.Logs.Lines, Has.None.Contains(FakeBinanceServer.ApiKey));
            Assert.That(host.Logs.Lines, Has.None.Contains(FakeBinanceServer.ApiSecret));
        }
    }

    [Test]
    public async Task A_429_on_a_read_is_retried_after_its_retry_after()
    {
        var host = await StartAsync();
        await host.Exchange.GetBalancesAsync(CancellationToken.None);
        host.Server.Script(Balance, FakeReply.Error(429, -1003, "Too many requests; current limit is 2400 requests per minute.", RetryAfterOneSecond));
        var watch = Stopwatch.StartNew();

        var balances = await host.Exchange.GetBalancesAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(balances, Is.Not.Empty);
            Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(900)));
            Assert.That(host.Server.RequestsTo(Balance), Has.Count.EqualTo(3));
        }
    }

    [Test]
    public async Task Each_attempt_is_timed_by_endpoint_and_status_and_a_429_is_counted_as_rate_limited()
    {
        var host = await StartAsync();
        using var recorder = new TradingBot.TestLedger.MeterRecorder(host.Metrics.Meter);
        host.Server.Script(Balance, FakeReply.Error(429, -1003, "Too many requests; current limit is 2400 requests per minute.", RetryAfterOneSecond));

        await host.Exchange.GetBalancesAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(
                recorder.Of("tradingbot.exchange.request.duration").Where(m => Equals(m.Tags["tradingbot.endpoint"], Balance)).Select(m => (m.Tags["tradingbot.endpoint"], m.Tags["http.response.status_code"])),
                Is.EqualTo(new[] { ((object?)Balance, (object?)429), (Balance, 200) }));
            Assert.That(recorder.Of("tradingbot.exchange.request.duration").Select(m => m.Unit).Distinct(), Is.EqualTo((string[])["ms"]));
            Assert.That(recorder.Of("tradingbot.exchange.rate_limited").Select(m => (m.Value, m.Tags["tradingbot.endpoint"])), Is.EqualTo(new[] { (1L, (object?)Balance) }));
        }
    }

    [Test]
    public async Task A_429_on_an_order_is_a_definite_refusal_and_the_order_is_not_sent_again()
    {
        var host = await StartAsync();
        var key = NextKey();
        host.Server.Script(PostOrder, FakeReply.Error(429, -1003, "Too many requests.", RetryAfterOneSecond));

        var placed = await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("429").And.Contain("not processed"));
            Assert.That(host.Server.RequestsTo(PostOrder), Has.Count.EqualTo(1));
            Assert.That(await host.Exchange.GetOrderAsync(BtcUsdt, key, CancellationToken.None), Is.TypeOf<OrderLookupResult.NotFound>());
        }
    }

    [Test]
    public async Task An_ip_ban_418_stops_all_requests_until_it_ends()
    {
        var host = await StartAsync();
        await host.Exchange.GetBalancesAsync(CancellationToken.None);
        host.Server.Script(Balance, FakeReply.Error(418, -1003, "Way too many requests; IP banned until 1591702613943.", RetryAfterTwoMinutes));

        var banned = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetBalancesAsync(CancellationToken.None));
        var later = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetPositionsAsync(CancellationToken.None));
        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(banned!.Message, Does.Contain("418"));
            Assert.That(later!.Message, Does.Contain("418").And.Contain("not sent"));
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Rejected>());
            Assert.That(host.Server.RequestsTo(Balance), Has.Count.EqualTo(2), "the ban is not retried");
            Assert.That(host.Server.RequestsTo("GET /fapi/v3/positionRisk"), Is.Empty);
            Assert.That(host.Server.RequestsTo(PostOrder), Is.Empty);
        }
    }

    [Test]
    public async Task A_503_unknown_error_on_an_order_is_an_unknown_outcome_and_is_never_retried()
    {
        var host = await StartAsync();
        var key = NextKey();
        host.Server.Script(PostOrder, new FakeReply.ProcessThenAnswer(503, UnknownError));

        var placed = await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((PlaceOrderResult.Unknown)placed).Reason, Does.Contain("503"));
            Assert.That(host.Server.RequestsTo(PostOrder), Has.Count.EqualTo(1));
            Assert.That(await host.Exchange.GetOrderAsync(BtcUsdt, key, CancellationToken.None), Is.TypeOf<OrderLookupResult.Found>(), "it did execute");
        }
    }

    [Test]
    public async Task A_503_on_a_read_is_retried_with_backoff()
    {
        var host = await StartAsync();
        host.Server.Script("GET /fapi/v1/premiumIndex", new FakeReply.Answer(503, "Service Unavailable."), new FakeReply.Answer(502, "<html><body>Bad Gateway</body></html>"));

        var quote = await host.Exchange.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(quote.MarkPrice.Units, Is.Positive);
            Assert.That(host.Server.RequestsTo("GET /fapi/v1/premiumIndex"), Has.Count.EqualTo(3));
        }
    }

    [Test]
    public async Task A_connection_dropped_after_the_order_was_received_is_an_unknown_outcome_and_the_order_exists()
    {
        var host = await StartAsync();
        var key = NextKey();
        host.Server.Script(PostOrder, new FakeReply.ProcessThenDrop());

        var placed = await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(placed, Is.TypeOf<PlaceOrderResult.Unknown>());
            Assert.That(host.Server.RequestsTo(PostOrder), Has.Count.EqualTo(1));
            Assert.That(await host.Exchange.GetOrderAsync(BtcUsdt, key, CancellationToken.None), Is.TypeOf<OrderLookupResult.Found>());
        }
    }

    [Test]
    public async Task An_order_without_an_answer_within_the_attempt_timeout_is_an_unknown_outcome()
    {
        var host = await StartAsync(o => o.AttemptTimeout = TimeSpan.FromSeconds(1));
        var key = NextKey();
        host.Server.Script(PostOrder, new FakeReply.Delay(TimeSpan.FromSeconds(3)));

        var placed = await host.Exchange.PlaceOrderAsync(Market(key), CancellationToken.None);
        OrderLookupResult lookup = new OrderLookupResult.NotFound();
        for (var i = 0; i < 600 && lookup is not OrderLookupResult.Found; i++) // waits for a state: up to a minute
        {
            await Task.Delay(100);
            lookup = await host.Exchange.GetOrderAsync(BtcUsdt, key, CancellationToken.None);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((PlaceOrderResult.Unknown)placed).Reason, Does.Contain("timeout"));
            Assert.That(host.Server.RequestsTo(PostOrder), Has.Count.EqualTo(1));
            Assert.That(lookup, Is.TypeOf<OrderLookupResult.Found>(), "the exchange executed it late");
        }
    }

    [Test]
    public async Task A_read_that_keeps_timing_out_is_retried_and_then_a_clear_error()
    {
        var host = await StartAsync(o =>
        {
            o.AttemptTimeout = TimeSpan.FromSeconds(1);
            o.MaxReadRetries = 1;
        });
        await host.Exchange.GetBalancesAsync(CancellationToken.None);
        host.Server.Script(Balance, new FakeReply.Delay(TimeSpan.FromSeconds(3)), new FakeReply.Delay(TimeSpan.FromSeconds(3)));

        var thrown = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetBalancesAsync(CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(thrown!.Message, Does.Contain(Balance).And.Contain("timeout"));
            Assert.That(host.Server.RequestsTo(Balance), Has.Count.EqualTo(3));
        }
    }

    [Test]
    public async Task A_lookup_that_cannot_be_answered_is_unknown()
    {
        var host = await StartAsync(o => o.MaxReadRetries = 0);
        await host.Exchange.GetBalancesAsync(CancellationToken.None);
        host.Server.Script(GetOrder, new FakeReply.DropBeforeProcessing());

        var lookup = await host.Exchange.GetOrderAsync(BtcUsdt, NextKey(), CancellationToken.None);

        Assert.That(((OrderLookupResult.Unknown)lookup).Reason, Does.Contain(GetOrder));
    }

    [Test]
    public async Task A_failing_exchange_opens_the_circuit_and_an_order_is_then_refused_without_being_sent()
    {
        var host = await StartAsync(o => o.MaxReadRetries = 0);
        host.Server.Script("GET /fapi/v1/premiumIndex", [.. Enumerable.Repeat<FakeReply>(new FakeReply.Answer(500, """{"code":-1001,"msg":"Internal error; unable to process your request. Please try again."}"""), 40)]);

        var messages = new List<string>();
        for (var i = 0; i < 25 && !messages.Any(m => m.Contains("circuit", StringComparison.Ordinal)); i++)
        {
            var failed = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None));
            messages.Add(failed!.Message);
        }

        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(messages[0], Does.Contain("-1001"));
            Assert.That(messages[^1], Does.Contain("circuit breaker is open"));
            Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("not sent").And.Contain("circuit"));
            Assert.That(host.Server.RequestsTo(PostOrder), Is.Empty);
        }
    }

    [TestCase("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>", "HTML")]
    [TestCase("""{"symbol":"BTCUSDT","markPrice":"11793.6""", "not the expected JSON")]
    [TestCase("""{"symbol":"BTCUSDT","indexPrice":"11781.80495970","lastFundingRate":"0.00038246","nextFundingTime":1597392000000,"time":1597370495002}""", "markPrice")]
    [TestCase("""{"symbol":"BTCUSDT","markPrice":null,"indexPrice":"11781.80495970","lastFundingRate":"0.00038246","nextFundingTime":1597392000000,"time":1597370495002}""", "markPrice")]
    [TestCase("""{"symbol":"BTCUSDT","markPrice":11793.63,"indexPrice":"11781.80495970","lastFundingRate":"0.00038246","nextFundingTime":1597392000000,"time":1597370495002}""", "markPrice")]
    [TestCase("""{"symbol":"BTCUSDT","markPrice":"123456789012345678901.5","indexPrice":"11781.80495970","lastFundingRate":"0.00038246","nextFundingTime":1597392000000,"time":1597370495002}""", "'markPrice'")]
    [TestCase("""{"symbol":"BTCUSDT","markPrice":"11793.63104562","indexPrice":"11781.80495970","lastFundingRate":"0.000382461","nextFundingTime":1597392000000,"time":1597370495002}""", "'lastFundingRate'")]
    [TestCase("""{"symbol":"BTCUSDT","markPrice":"1.2e4","indexPrice":"11781.80495970","lastFundingRate":"0.00038246","nextFundingTime":1597392000000,"time":1597370495002}""", "'markPrice'")]
    [TestCase("""{"symbol":"BTCUSDT","markPrice":"11793.63104562","indexPrice":"11781.80495970","lastFundingRate":"0.00038246","nextFundingTime":99999999999999999999,"time":1597370495002}""", "nextFundingTime")]
    public async Task A_malformed_answer_is_a_clear_error_naming_the_endpoint_and_the_field(string body, string named)
    {
        var host = await StartAsync();
        host.Server.Script("GET /fapi/v1/premiumIndex", new FakeReply.Answer(200, body));

        var thrown = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None));

        Assert.That(thrown!.Message, Does.Contain("GET /fapi/v1/premiumIndex").And.Contain(named));
    }

    [Test]
    public async Task One_malformed_trade_fails_the_whole_answer_so_nothing_half_parsed_reaches_the_ledger()
    {
        var host = await StartAsync();
        host.Server.Script("GET /fapi/v1/userTrades", new FakeReply.Answer(200, """
            [{"buyer":false,"commission":"0.01","commissionAsset":"USDT","id":1,"maker":false,"orderId":25851813,"price":"7819.01","qty":"0.002","quoteQty":"15.63802","realizedPnl":"0","side":"SELL","positionSide":"BOTH","symbol":"BTCUSDT","time":1569514978020},
             {"buyer":false,"commission":"0.01","commissionAsset":"USDT","id":2,"maker":false,"orderId":25851813,"price":"7819.01","qty":"0.0000000001","quoteQty":"15.63802","realizedPnl":"0","side":"SELL","positionSide":"BOTH","symbol":"BTCUSDT","time":1569514978021}]
            """));

        var thrown = Assert.ThrowsAsync<ExchangeException>(() => host.Exchange.GetTradesAsync(BtcUsdt, DateTimeOffset.FromUnixTimeMilliseconds(1569514978020), CancellationToken.None));

        Assert.That(thrown!.Message, Does.Contain("GET /fapi/v1/userTrades").And.Contain("'qty'"));
    }

    [Test]
    public async Task An_accepted_order_whose_answer_cannot_be_read_is_an_unknown_outcome()
    {
        var host = await StartAsync();
        host.Server.Script(PostOrder, new FakeReply.ProcessThenAnswer(200, """{"clientOrderId":"tb-0","orderId":1,"""));

        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()), CancellationToken.None);

        Assert.That(((PlaceOrderResult.Unknown)placed).Reason, Does.Contain("could not be read"));
    }

    [Test]
    public async Task A_rejection_with_a_binance_error_code_is_rejected_with_the_code_and_message()
    {
        var host = await StartAsync();
        host.Server.Script(PostOrder, FakeReply.Error(400, -2019, "Margin is insufficient."));

        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()), CancellationToken.None);

        Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("-2019").And.Contain("Margin is insufficient."));
    }

    [Test]
    public async Task A_quantity_that_rounds_below_the_minimum_is_refused_with_the_reason_and_never_sent()
    {
        var host = await StartAsync();

        var placed = await host.Exchange.PlaceOrderAsync(new OrderRequest(NextKey(), BtcUsdt, Side.Buy, OrderType.Market, Quantity.Parse("0.0009"), null), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("0.0009").And.Contain("minimum 0.001"));
            Assert.That(host.Server.RequestsTo(PostOrder), Is.Empty);
        }
    }

    [Test]
    public async Task Orders_off_the_step_or_tick_are_refused_unsent_so_the_ledger_never_holds_what_was_not_sent()
    {
        var host = await StartAsync();
        var resting = await RestingAsync(host, NextKey());

        var offStep = await host.Exchange.PlaceOrderAsync(resting with { ClientOrderId = NextKey(), Quantity = Quantity.Parse("0.01234567") }, CancellationToken.None);
        var offTick = await host.Exchange.PlaceOrderAsync(resting with { ClientOrderId = NextKey(), LimitPrice = new Price(resting.LimitPrice!.Value.Units + 7_654_321) }, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((PlaceOrderResult.Rejected)offStep).Reason, Does.Contain("not sent").And.Contain("step 0.001"));
            Assert.That(((PlaceOrderResult.Rejected)offTick).Reason, Does.Contain("not sent").And.Contain("tick 0.1"));
            Assert.That(host.Server.RequestsTo(PostOrder), Is.Empty);
        }
    }

    [Test]
    public async Task A_reduce_only_order_carries_reduceOnly_true_and_a_plain_one_does_not()
    {
        var host = await StartAsync();
        await host.Exchange.PlaceOrderAsync(Market(NextKey()) with { Side = Side.Sell }, CancellationToken.None);

        await host.Exchange.PlaceOrderAsync(Market(NextKey()) with { ReduceOnly = true }, CancellationToken.None);

        var posts = host.Server.RequestsTo(PostOrder);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(posts[0].Parameters.ContainsKey("reduceOnly"), Is.False);
            Assert.That(posts[1].Parameters["reduceOnly"], Is.EqualTo("true"));
        }
    }

    [Test]
    public async Task An_order_past_its_send_deadline_is_not_signed_or_sent()
    {
        var host = await StartAsync();

        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()) with { SendDeadline = DateTimeOffset.UtcNow.AddSeconds(-1) }, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((PlaceOrderResult.Rejected)placed).Reason, Does.Contain("not sent").And.Contain("send deadline"));
            Assert.That(host.Server.RequestsTo(PostOrder), Is.Empty);
        }
    }

    [TestCase(400, -1006)]
    [TestCase(400, -1007)]
    [TestCase(503, -1007)]
    public async Task Execution_status_unknown_is_an_unknown_outcome_whatever_the_http_status(int status, int code)
    {
        var host = await StartAsync();
        host.Server.Script(PostOrder, new FakeReply.ProcessThenAnswer(status, $$"""{"code":{{code}},"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."}"""));

        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()), CancellationToken.None);

        Assert.That(placed, Is.TypeOf<PlaceOrderResult.Unknown>());
    }

    [Test]
    public async Task A_4xx_without_a_binance_error_code_is_an_unknown_outcome()
    {
        var host = await StartAsync();
        host.Server.Script(PostOrder, new FakeReply.ProcessThenAnswer(403, "<html>403 Forbidden</html>"));

        var placed = await host.Exchange.PlaceOrderAsync(Market(NextKey()), CancellationToken.None);

        Assert.That(placed, Is.TypeOf<PlaceOrderResult.Unknown>());
    }

    [Test]
    public async Task Orders_are_sent_with_their_quantity_and_price_and_ask_for_the_result()
    {
        var host = await StartAsync();
        var resting = await RestingAsync(host, NextKey());

        await host.Exchange.PlaceOrderAsync(resting with { Quantity = Quantity.Parse("0.012") }, CancellationToken.None);

        var sent = host.Server.RequestsTo(PostOrder).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sent.Query, Is.Empty, "a POST carries its parameters in the body");
            Assert.That(sent.Parameters["quantity"], Is.EqualTo("0.012"));
            Assert.That(Price.Parse(sent.Parameters["price"]), Is.EqualTo(resting.LimitPrice));
            Assert.That(sent.Parameters["type"], Is.EqualTo("LIMIT"));
            Assert.That(sent.Parameters["timeInForce"], Is.EqualTo("GTC"));
            Assert.That(sent.Parameters["newOrderRespType"], Is.EqualTo("RESULT"));
            Assert.That(sent.Parameters["recvWindow"], Is.EqualTo("5000"));
            Assert.That(sent.Body, Does.EndWith("&signature=" + new TradingBot.Infrastructure.Exchanges.Binance.BinanceSigner(FakeBinanceServer.ApiSecret).Sign(string.Empty, sent.Body[..sent.Body.LastIndexOf("&signature=", StringComparison.Ordinal)])));
            Assert.That(sent.ApiKey, Is.EqualTo(FakeBinanceServer.ApiKey));
        }
    }
}
