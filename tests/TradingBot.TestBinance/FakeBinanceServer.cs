using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Exchanges.Binance;
using TradingBot.Infrastructure.Exchanges.Paper;

namespace TradingBot.TestBinance;

/// <summary>A request the fake server received, and whether it passed Binance's checks for signed endpoints.</summary>
public sealed record FakeRequest(string Method, string Path, string Query, string Body, string? ApiKey, bool IsSigned, int? RefusedWith)
{
    public string Endpoint => $"{Method} {Path}";

    public IReadOnlyDictionary<string, string> Parameters => FakeBinanceServer.ParseForm(Query + "&" + Body);
}

/// <summary>An answer scripted for the next request to an endpoint, instead of (or around) the simulated account's own.</summary>
public abstract record FakeReply
{
    /// <summary>Answers with this status and body (and headers) without touching the account.</summary>
    public sealed record Answer(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null) : FakeReply;

    /// <summary>Closes the connection without processing the request.</summary>
    public sealed record DropBeforeProcessing : FakeReply;

    /// <summary>Processes the request (an order is placed), then closes the connection without answering.</summary>
    public sealed record ProcessThenDrop : FakeReply;

    /// <summary>Processes the request, then answers with this status and body instead of the result (a 503 "Unknown error" that did execute).</summary>
    public sealed record ProcessThenAnswer(int Status, string Body) : FakeReply;

    /// <summary>Waits, then processes and answers normally (the client has usually given up by then).</summary>
    public sealed record Delay(TimeSpan Wait) : FakeReply;

    /// <summary>Binance's error body.</summary>
    public static Answer Error(int status, int code, string message, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, $$"""{"code":{{code.ToString(CultureInfo.InvariantCulture)}},"msg":"{{message}}"}""", headers);
}

/// <summary>Real time shifted by an adjustable amount: the fake exchange's clock.</summary>
public sealed class ShiftedTimeProvider : TimeProvider
{
    private long _shiftTicks;

    public TimeSpan Shift => TimeSpan.FromTicks(Interlocked.Read(ref _shiftTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _shiftTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Shift;
}

/// <summary>
/// A Binance USDⓈ-M futures REST server on 127.0.0.1, answering in Binance's wire format (field names and
/// string-encoded decimals as documented) for a small simulated account kept by the paper exchange engine.
/// Every signed call is checked like Binance does it: X-MBX-APIKEY (else -2015), timestamp within recvWindow
/// of the server clock and not more than 1 s ahead (else -1021), HMAC-SHA256 of query string + body (else
/// -1022). Tests can script answers, dropped connections and delays per endpoint and move the clock.
/// </summary>
public sealed class FakeBinanceServer : IAsyncDisposable
{
    /// <summary>The API key and secret of the documentation's signed-request example.</summary>
    public const string ApiKey = "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83";

    public const string ApiSecret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";

    private static readonly string[] SubTypes = ["PoW"];
    private static readonly string[] OrderTypes = ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"];
    private static readonly string[] TimesInForce = ["GTC", "IOC", "FOK", "GTX"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private static readonly Dictionary<string, (bool Signed, int Weight)> Endpoints = new(StringComparer.Ordinal)
    {
        ["GET /fapi/v1/time"] = (false, 1),
        ["GET /fapi/v1/exchangeInfo"] = (false, 1),
        ["GET /fapi/v1/premiumIndex"] = (false, 1),
        ["GET /fapi/v1/fundingRate"] = (false, 0),
        ["POST /fapi/v1/order"] = (true, 0),
        ["GET /fapi/v1/order"] = (true, 1),
        ["DELETE /fapi/v1/order"] = (true, 1),
        ["GET /fapi/v1/openOrders"] = (true, 1),
        ["GET /fapi/v1/userTrades"] = (true, 5),
        ["GET /fapi/v3/positionRisk"] = (true, 5),
        ["GET /fapi/v3/balance"] = (true, 5),
        ["GET /fapi/v1/income"] = (true, 30),
    };

    private readonly WebApplication? _app;
    private readonly PaperExchange _paper;
    private readonly TimeProvider _time;
    private readonly string? _folder;
    private readonly BinanceSigner _signer = new(ApiSecret);
    private readonly ConcurrentQueue<FakeRequest> _requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<FakeReply>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, (string Symbol, string ClientOrderId)> _orders = new();
    private readonly ConcurrentDictionary<string, long> _tranIds = new(StringComparer.Ordinal);
    private readonly Lock _weightLock = new();
    private long _weightMinute;
    private int _usedWeight;

    private FakeBinanceServer(WebApplication? app, PaperExchange paper, TimeProvider time, string? folder)
    {
        _app = app;
        _paper = paper;
        _time = time;
        _folder = folder;
    }

    /// <summary>Where the server listens (http://127.0.0.1:port).</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>The exchange's clock (real time plus a shift) of a server started by <see cref="StartAsync"/>.</summary>
    public ShiftedTimeProvider Clock => _time as ShiftedTimeProvider ?? throw new InvalidOperationException("an in-process server keeps its owner's clock");

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<FakeRequest> Requests => [.. _requests];

    /// <summary>
    /// Starts the server; <paramref name="faults"/> switches on the paper engine's misbehaviours (answers lost with the
    /// order visible late, exchange-side closes, expiring orders, foreign open orders, slow reads), which the server then
    /// shows in Binance's wire format (503 "Unknown error", -2013 while an order is not visible yet...).
    /// </summary>
    public static async Task<FakeBinanceServer> StartAsync(PaperFaults? faults = null)
    {
        var folder = Directory.CreateTempSubdirectory("tradingbot-fake-binance-").FullName;
        var clock = new ShiftedTimeProvider();
        var paper = new PaperExchange(new PaperExchangeOptions { StatePath = Path.Combine(folder, "account.db"), Speed = 1, Faults = faults ?? new PaperFaults() }, clock);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeBinanceServer(app, paper, clock, folder);
        app.Run(server.ServeAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return server;
    }

    /// <summary>
    /// A server without a socket over <paramref name="paper"/> (which its caller owns) on <paramref name="time"/>: requests
    /// reach it through <see cref="CreateHandler"/>, one at a time in the caller's own flow, so nothing depends on threads.
    /// </summary>
    public static FakeBinanceServer InProcess(PaperExchange paper, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(paper);
        ArgumentNullException.ThrowIfNull(time);
        return new FakeBinanceServer(null, paper, time, null) { BaseUrl = "http://127.0.0.1:9/" };
    }

    /// <summary>An <see cref="HttpMessageHandler"/> that answers from this server in process (a dropped connection is an <see cref="HttpRequestException"/>).</summary>
    public HttpMessageHandler CreateHandler() => new InProcessHandler(this);

    /// <summary>Moves the exchange's clock (and its simulated market) forward.</summary>
    public void AdvanceClock(TimeSpan by) => Clock.Advance(by);

    /// <summary>Queues answers for the next requests to "METHOD /path", one per request.</summary>
    public void Script(string endpoint, params FakeReply[] replies)
    {
        var queue = _scripts.GetOrAdd(endpoint, _ => new ConcurrentQueue<FakeReply>());
        foreach (var reply in replies)
        {
            queue.Enqueue(reply);
        }
    }

    /// <summary>The income <c>tranId</c> under which this server shows the paper engine's funding payment <paramref name="paymentId"/>.</summary>
    public long TransactionIdOf(string paymentId) => _tranIds.GetOrAdd(paymentId, _ => 9_689_322_392 + _tranIds.Count);

    /// <summary>Every trade of <paramref name="symbol"/> in the simulated account, as the paper engine keeps them.</summary>
    public Task<IReadOnlyList<ExchangeTrade>> TradesAsync(Symbol symbol) => _paper.GetTradesAsync(symbol, DateTimeOffset.UnixEpoch, CancellationToken.None);

    /// <summary>The requests to one endpoint.</summary>
    public IReadOnlyList<FakeRequest> RequestsTo(string endpoint) => [.. _requests.Where(r => r.Endpoint == endpoint)];

    /// <summary>Places an order directly in the simulated account, as if another client had sent it.</summary>
    public async Task<ExchangeOrderState> PlaceDirectlyAsync(OrderRequest request)
    {
        var placed = (PlaceOrderResult.Accepted)await _paper.PlaceOrderAsync(request, CancellationToken.None);
        _orders[long.Parse(placed.State.ExchangeOrderId, CultureInfo.InvariantCulture)] = (placed.State.Symbol.Value, placed.State.ClientOrderId);
        return placed.State;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null)
        {
            return; // in process: the paper exchange is its owner's
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        _paper.Dispose();
        Directory.Delete(_folder!, recursive: true);
    }

    public static Dictionary<string, string> ParseForm(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var cut = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(cut < 0 ? pair : pair[..cut]);
            var value = cut < 0 ? string.Empty : Uri.UnescapeDataString(pair[(cut + 1)..].Replace('+', ' '));
            values.TryAdd(name, value); // a parameter in both: the query string's wins, as at Binance
        }

        return values;
    }

    // Kestrel's side: the request read off the connection, the answer written to it (or the connection closed).
    private async Task ServeAsync(HttpContext context)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        var request = new Incoming(
            context.Request.Method,
            context.Request.Path.Value ?? "/",
            context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : string.Empty,
            body,
            context.Request.Headers["X-MBX-APIKEY"].FirstOrDefault());
        var (reply, weight) = await RespondAsync(request, context.RequestAborted);
        if (reply is null)
        {
            context.Abort();
            return;
        }

        await WriteAsync(context, reply, weight);
    }

    // The server itself: checks, scripts, the account. A null reply closes the connection without an answer.
    private async Task<(Reply? Reply, int? Weight)> RespondAsync(Incoming request, CancellationToken aborted)
    {
        var (method, path, query, body, apiKey) = request;
        var endpoint = $"{method} {path}";
        if (!Endpoints.TryGetValue(endpoint, out var description))
        {
            _requests.Enqueue(new FakeRequest(method, path, query, body, apiKey, false, null));
            return (Reply.Error(404, -1000, "No such endpoint on the fake server."), null);
        }

        var parameters = ParseForm(query + "&" + body);
        var refusal = description.Signed ? CheckSigned(query, body, apiKey, parameters) : null;
        _requests.Enqueue(new FakeRequest(method, path, query, body, apiKey, description.Signed, refusal?.Code));
        var weight = AddWeight(description.Weight);
        if (refusal is not null)
        {
            return (refusal, weight);
        }

        FakeReply? scripted = null;
        if (_scripts.TryGetValue(endpoint, out var queue))
        {
            queue.TryDequeue(out scripted);
        }

        switch (scripted)
        {
            case FakeReply.Answer answer:
                return (new Reply(answer.Status, answer.Body, answer.Headers), weight);
            case FakeReply.DropBeforeProcessing:
                return (null, weight);
            case FakeReply.ProcessThenDrop:
                await ProcessAsync(endpoint, parameters);
                return (null, weight);
            case FakeReply.ProcessThenAnswer then:
                await ProcessAsync(endpoint, parameters);
                return (new Reply(then.Status, then.Body, null), weight);
            case FakeReply.Delay delay:
                try
                {
                    await Task.Delay(delay.Wait, _time, aborted);
                }
                catch (OperationCanceledException)
                {
                    // the client gave up; the request is still processed, as an exchange would
                }

                var late = await ProcessAsync(endpoint, parameters);
                return (aborted.IsCancellationRequested ? null : late, weight);
            default:
                return (await ProcessAsync(endpoint, parameters), weight);
        }
    }

    private Reply? CheckSigned(string query, string body, string? apiKey, Dictionary<string, string> parameters)
    {
        if (apiKey != ApiKey)
        {
            return Reply.Error(401, -2015, "Invalid API-key, IP, or permissions for action.");
        }

        var serverTime = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var recvWindow = parameters.TryGetValue("recvWindow", out var window) ? long.Parse(window, CultureInfo.InvariantCulture) : 5000;
        if (!parameters.TryGetValue("timestamp", out var stamp) || !long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            return Reply.Error(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
        }

        if (recvWindow is < 1 or > 60_000)
        {
            return Reply.Error(400, -1130, "Invalid data sent for a parameter.");
        }

        if (!(timestamp < serverTime + 1000 && serverTime - timestamp <= recvWindow))
        {
            return Reply.Error(400, -1021, "Timestamp for this request is outside of the recvWindow.");
        }

        // The signature must be the last parameter, of the query string or of the body; it signs query string + body.
        string signedQuery = query, signedBody = body, signature;
        var inQuery = query.LastIndexOf("&signature=", StringComparison.Ordinal);
        var inBody = body.LastIndexOf("&signature=", StringComparison.Ordinal);
        if (inQuery >= 0 && !query[(inQuery + 11)..].Contains('&', StringComparison.Ordinal))
        {
            signedQuery = query[..inQuery];
            signature = query[(inQuery + 11)..];
        }
        else if (inBody >= 0 && !body[(inBody + 11)..].Contains('&', StringComparison.Ordinal))
        {
            signedBody = body[..inBody];
            signature = body[(inBody + 11)..];
        }
        else
        {
            return Reply.Error(400, -1022, "Signature for this request is not valid.");
        }

        return _signer.Verify(signedQuery, signedBody, signature) ? null : Reply.Error(400, -1022, "Signature for this request is not valid.");
    }

    private int AddWeight(int weight)
    {
        lock (_weightLock)
        {
            var minute = _time.GetUtcNow().ToUnixTimeMilliseconds() / 60_000;
            if (minute != _weightMinute)
            {
                _weightMinute = minute;
                _usedWeight = 0;
            }

            _usedWeight += weight;
            return _usedWeight;
        }
    }

    private static async Task WriteAsync(HttpContext context, Reply reply, int? usedWeight)
    {
        context.Response.StatusCode = reply.Status;
        foreach (var (name, value) in reply.HeadersWith(usedWeight))
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentType = reply.ContentType;
        try
        {
            await context.Response.WriteAsync(reply.Body);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the client is gone
        }
    }

    private async Task<Reply> ProcessAsync(string endpoint, Dictionary<string, string> p)
    {
        try
        {
            return endpoint switch
            {
                "GET /fapi/v1/time" => Reply.Ok(new { serverTime = Now() }),
                "GET /fapi/v1/exchangeInfo" => await ExchangeInfoAsync(),
                "GET /fapi/v1/premiumIndex" => await PremiumIndexAsync(p),
                "GET /fapi/v1/fundingRate" => await FundingRateAsync(p),
                "POST /fapi/v1/order" => await NewOrderAsync(p),
                "GET /fapi/v1/order" => await QueryOrderAsync(p),
                "DELETE /fapi/v1/order" => await CancelOrderAsync(p),
                "GET /fapi/v1/openOrders" => Reply.Ok((await _paper.GetOpenOrdersAsync(p.TryGetValue("symbol", out var s) ? new Symbol(s) : null, CancellationToken.None)).Select(OrderJson).ToList()),
                "GET /fapi/v1/userTrades" => await UserTradesAsync(p),
                "GET /fapi/v3/positionRisk" => await PositionRiskAsync(),
                "GET /fapi/v3/balance" => await BalanceAsync(),
                "GET /fapi/v1/income" => await IncomeAsync(p),
                _ => Reply.Error(404, -1000, "No such endpoint."),
            };
        }
        catch (SymbolNotListedException)
        {
            return Reply.Error(400, -1121, "Invalid symbol.");
        }
        catch (Exception exception) when (exception is KeyNotFoundException or FormatException or ArgumentException or ExchangeException)
        {
            return Reply.Error(400, -1102, $"Mandatory parameter missing or malformed: {exception.Message.Replace('"', '\'')}");
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private async Task<Reply> ExchangeInfoAsync()
    {
        var symbols = new List<object>();
        foreach (var name in new[] { "BTCUSDT", "ETHUSDT" })
        {
            var rules = await _paper.GetInstrumentAsync(new Symbol(name), CancellationToken.None);
            symbols.Add(new
            {
                symbol = name,
                pair = name,
                contractType = "PERPETUAL",
                deliveryDate = 4133404800000,
                onboardDate = 1569398400000,
                status = "TRADING",
                maintMarginPercent = "2.5000",
                requiredMarginPercent = "5.0000",
                baseAsset = rules.BaseAsset.Code,
                quoteAsset = rules.QuoteAsset.Code,
                marginAsset = "USDT",
                pricePrecision = 2,
                quantityPrecision = 3,
                baseAssetPrecision = 8,
                quotePrecision = 8,
                underlyingType = "COIN",
                underlyingSubType = SubTypes,
                settlePlan = 0,
                triggerProtect = "0.0500",
                filters = new object[]
                {
                    new { filterType = "PRICE_FILTER", maxPrice = "4529764", minPrice = "556.80", tickSize = rules.TickSize.ToString() },
                    new { filterType = "LOT_SIZE", maxQty = "1000", minQty = rules.MinQuantity.ToString(), stepSize = rules.StepSize.ToString() },
                    new { filterType = "MARKET_LOT_SIZE", maxQty = "120", minQty = rules.MarketMinQuantity.ToString(), stepSize = rules.MarketStepSize.ToString() },
                    new { filterType = "MAX_NUM_ORDERS", limit = 200 },
                    new { filterType = "MAX_NUM_ALGO_ORDERS", limit = 10 },
                    new { filterType = "MIN_NOTIONAL", notional = rules.MinNotional.ToString() },
                    new { filterType = "PERCENT_PRICE", multiplierUp = "1.0500", multiplierDown = "0.9500", multiplierDecimal = "4" },
                },
                orderTypes = OrderTypes,
                timeInForce = TimesInForce,
                liquidationFee = "0.012500",
                marketTakeBound = "0.05",
            });
        }

        return Reply.Ok(new
        {
            exchangeFilters = Array.Empty<object>(),
            rateLimits = new object[]
            {
                new { interval = "MINUTE", intervalNum = 1, limit = 2400, rateLimitType = "REQUEST_WEIGHT" },
                new { interval = "MINUTE", intervalNum = 1, limit = 1200, rateLimitType = "ORDERS" },
            },
            serverTime = Now(),
            assets = new object[] { new { asset = "USDT", marginAvailable = true, autoAssetExchange = "-10000" } },
            symbols,
            timezone = "UTC",
        });
    }

    private async Task<Reply> PremiumIndexAsync(Dictionary<string, string> p)
    {
        var quote = await _paper.GetFundingQuoteAsync(new Symbol(p["symbol"]), CancellationToken.None);
        return Reply.Ok(new
        {
            symbol = quote.Symbol.Value,
            markPrice = quote.MarkPrice.ToString(),
            indexPrice = quote.IndexPrice.ToString(),
            estimatedSettlePrice = quote.IndexPrice.ToString(),
            lastFundingRate = quote.Rate.ToString(),
            interestRate = "0.00010000",
            nextFundingTime = quote.NextFundingTime.ToUnixTimeMilliseconds(),
            time = quote.Time.ToUnixTimeMilliseconds(),
        });
    }

    private async Task<Reply> FundingRateAsync(Dictionary<string, string> p)
    {
        var quote = await _paper.GetFundingQuoteAsync(new Symbol(p["symbol"]), CancellationToken.None);
        return Reply.Ok(new[]
        {
            new { symbol = quote.Symbol.Value, fundingRate = quote.Rate.ToString(), fundingTime = (quote.NextFundingTime - TimeSpan.FromHours(8)).ToUnixTimeMilliseconds(), markPrice = quote.MarkPrice.ToString() },
        });
    }

    private async Task<Reply> NewOrderAsync(Dictionary<string, string> p)
    {
        var symbol = new Symbol(p["symbol"]);
        var key = p.TryGetValue("newClientOrderId", out var id) ? id : "x-" + Guid.NewGuid().ToString("N")[..20];
        if (!IdempotencyKey.IsValid(key, out _))
        {
            return Reply.Error(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\\\.A-Z\\\\:/a-z0-9_-]{1,36}$'.");
        }

        // Binance keeps a client order id unique among open orders only: a closed order's id makes a new order.
        if (await _paper.GetOrderAsync(symbol, new IdempotencyKey(key), CancellationToken.None) is OrderLookupResult.Found { State.Status: OrderStatus.Open or OrderStatus.PartiallyFilled })
        {
            return Reply.Error(400, -4116, "ClientOrderId is duplicated.");
        }

        var rules = await _paper.GetInstrumentAsync(symbol, CancellationToken.None);
        var quantity = Quantity.Parse(p["quantity"]);
        if (quantity.Units % rules.StepSize.Units != 0)
        {
            return Reply.Error(400, -1111, "Precision is over the maximum defined for this asset.");
        }

        if (quantity < rules.MinQuantity)
        {
            return Reply.Error(400, -4004, "Quantity less than min quantity.");
        }

        var type = (p["type"], p.GetValueOrDefault("timeInForce")) switch
        {
            ("MARKET", _) => OrderType.Market,
            ("LIMIT", "IOC") => OrderType.Ioc,
            ("LIMIT", "FOK") => OrderType.Fok,
            ("LIMIT", "GTC") => OrderType.Limit,
            _ => (OrderType?)null,
        };
        if (type is null)
        {
            return Reply.Error(400, -1116, "Invalid orderType.");
        }

        Price? price = null;
        if (type != OrderType.Market)
        {
            price = Price.Parse(p["price"]);
            if (price.Value.Units % rules.TickSize.Units != 0)
            {
                return Reply.Error(400, -4014, "Price not increased by tick size.");
            }
        }

        var reduceOnly = p.GetValueOrDefault("reduceOnly") == "true";
        var result = await _paper.PlaceOrderAsync(new OrderRequest(new IdempotencyKey(key), symbol, LedgerCodes.ParseSide(p["side"]), type.Value, quantity, price) { ReduceOnly = reduceOnly }, CancellationToken.None);
        switch (result)
        {
            case PlaceOrderResult.Accepted accepted:
                _orders[long.Parse(accepted.State.ExchangeOrderId, CultureInfo.InvariantCulture)] = (symbol.Value, key);
                return Reply.Ok(OrderJson(accepted.State));
            case PlaceOrderResult.Rejected rejected:
                // The engine's refusals start with Binance's code ("-2022 ReduceOnly Order is rejected: ..."); others are -2010.
                var code = rejected.Reason.StartsWith('-') && int.TryParse(rejected.Reason.Split(' ')[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var c) ? c : -2010;
                return Reply.Error(400, code, rejected.Reason.Replace('"', '\''));
            default:
                return Reply.Error(503, -1000, "Unknown error, please check your request or try again later.");
        }
    }

    private async Task<ExchangeOrderState?> FindOrderAsync(Dictionary<string, string> p)
    {
        var symbol = new Symbol(p["symbol"]);
        if (p.TryGetValue("orderId", out var orderId))
        {
            return await _paper.GetOrderByExchangeIdAsync(symbol, orderId, CancellationToken.None);
        }

        var key = p.GetValueOrDefault("origClientOrderId");
        if (key is null || !IdempotencyKey.IsValid(key, out _))
        {
            return null;
        }

        return await _paper.GetOrderAsync(symbol, new IdempotencyKey(key), CancellationToken.None) is OrderLookupResult.Found found ? found.State : null;
    }

    private async Task<Reply> QueryOrderAsync(Dictionary<string, string> p) =>
        await FindOrderAsync(p) is { } order ? Reply.Ok(OrderJson(order)) : Reply.Error(400, -2013, "Order does not exist.");

    private async Task<Reply> CancelOrderAsync(Dictionary<string, string> p)
    {
        var order = await FindOrderAsync(p);
        if (order is null || order.Status is not (OrderStatus.Open or OrderStatus.PartiallyFilled))
        {
            return Reply.Error(400, -2011, "Unknown order sent.");
        }

        var done = (CancelOrderResult.Done)await _paper.CancelOrderAsync(order.Symbol, new IdempotencyKey(order.ClientOrderId), CancellationToken.None);
        return Reply.Ok(OrderJson(done.State));
    }

    private async Task<Reply> UserTradesAsync(Dictionary<string, string> p)
    {
        var hasFromId = p.TryGetValue("fromId", out var fromIdText);
        var hasStart = p.TryGetValue("startTime", out var startText);
        var hasEnd = p.TryGetValue("endTime", out var endText);
        if (hasFromId && (hasStart || hasEnd))
        {
            return Reply.Error(400, -1128, "Combination of optional parameters invalid.");
        }

        var week = (long)TimeSpan.FromDays(7).TotalMilliseconds;
        var start = hasStart ? long.Parse(startText!, CultureInfo.InvariantCulture) : hasEnd ? long.Parse(endText!, CultureInfo.InvariantCulture) - week : Now() - week;
        var end = hasEnd ? long.Parse(endText!, CultureInfo.InvariantCulture) : start + week;
        if (end - start > week)
        {
            return Reply.Error(400, -1127, "More than 7 days between startTime and endTime.");
        }

        var limit = Math.Min(1000, p.TryGetValue("limit", out var l) ? int.Parse(l, CultureInfo.InvariantCulture) : 500);
        var trades = await _paper.GetTradesAsync(new Symbol(p["symbol"]), DateTimeOffset.FromUnixTimeMilliseconds(hasFromId ? 0 : start), CancellationToken.None);
        var selected = trades
            .Select(t => (Trade: t, Id: long.Parse(t.ExchangeFillId.Value.Split(':')[^1], CultureInfo.InvariantCulture), Time: t.Time.ToUnixTimeMilliseconds()))
            .Where(t => hasFromId ? t.Id >= long.Parse(fromIdText!, CultureInfo.InvariantCulture) : t.Time >= start && t.Time <= end)
            .OrderBy(t => t.Id)
            .Take(limit)
            .Select(t => new
            {
                buyer = t.Trade.Side == Side.Buy,
                commission = t.Trade.Fee.Amount.ToString(),
                commissionAsset = t.Trade.Fee.Asset.Code,
                id = t.Id,
                maker = false,
                orderId = long.Parse(t.Trade.ExchangeOrderId, CultureInfo.InvariantCulture),
                price = t.Trade.Price.ToString(),
                qty = t.Trade.Quantity.ToString(),
                quoteQty = t.Trade.Price.NotionalOf(t.Trade.Quantity).ToString(),
                realizedPnl = "0",
                side = t.Trade.Side.ToCode(),
                positionSide = "BOTH",
                symbol = t.Trade.Symbol.Value,
                time = t.Time,
            })
            .ToList();
        return Reply.Ok(selected);
    }

    private async Task<Reply> PositionRiskAsync()
    {
        var positions = await _paper.GetPositionsAsync(CancellationToken.None);
        var entries = new List<object>();
        foreach (var position in positions)
        {
            var mark = (await _paper.GetFundingQuoteAsync(position.Symbol, CancellationToken.None)).MarkPrice;
            entries.Add(new
            {
                symbol = position.Symbol.Value,
                positionSide = "BOTH",
                positionAmt = position.NetQuantity.ToString(),
                entryPrice = position.EntryPrice?.ToString() ?? "0.0",
                breakEvenPrice = position.EntryPrice?.ToString() ?? "0.0",
                markPrice = mark.ToString(),
                unRealizedProfit = "0.00000000",
                liquidationPrice = "0",
                isolatedMargin = "0",
                notional = "0",
                marginAsset = "USDT",
                isolatedWallet = "0",
                initialMargin = "0",
                maintMargin = "0",
                positionInitialMargin = "0",
                openOrderInitialMargin = "0",
                adl = 1,
                bidNotional = "0",
                askNotional = "0",
                updateTime = Now(),
            });
        }

        return Reply.Ok(entries);
    }

    private async Task<Reply> BalanceAsync()
    {
        var balances = await _paper.GetBalancesAsync(CancellationToken.None);
        return Reply.Ok(balances.Select(b => new
        {
            accountAlias = "SgsR",
            asset = b.Asset.Code,
            balance = b.Wallet.ToString(),
            crossWalletBalance = b.Wallet.ToString(),
            crossUnPnl = "0.00000000",
            availableBalance = b.Available.ToString(),
            maxWithdrawAmount = b.Available.ToString(),
            marginAvailable = true,
            updateTime = Now(),
        }).ToList());
    }

    private async Task<Reply> IncomeAsync(Dictionary<string, string> p)
    {
        var start = p.TryGetValue("startTime", out var s) ? long.Parse(s, CultureInfo.InvariantCulture) : Now() - (long)TimeSpan.FromDays(7).TotalMilliseconds;
        var end = p.TryGetValue("endTime", out var e) ? long.Parse(e, CultureInfo.InvariantCulture) : Now();
        if (end - start > (long)TimeSpan.FromDays(200).TotalMilliseconds)
        {
            return Reply.Error(400, -4165, "Invalid time interval.");
        }

        var limit = Math.Min(1000, p.TryGetValue("limit", out var l) ? int.Parse(l, CultureInfo.InvariantCulture) : 100);
        var type = p.GetValueOrDefault("incomeType");
        var payments = type is null or "FUNDING_FEE" ? await _paper.GetFundingPaymentsAsync(DateTimeOffset.FromUnixTimeMilliseconds(start), CancellationToken.None) : [];
        return Reply.Ok(payments
            .Where(f => f.PaidAt.ToUnixTimeMilliseconds() <= end)
            .Take(limit)
            .Select(f => new
            {
                symbol = f.Symbol.Value,
                incomeType = "FUNDING_FEE",
                income = f.Amount.Amount.ToString(),
                asset = f.Amount.Asset.Code,
                info = "FUNDING_FEE",
                time = f.PaidAt.ToUnixTimeMilliseconds(),
                tranId = TransactionIdOf(f.ExchangePaymentId),
                tradeId = string.Empty,
            }).ToList());
    }

    private static object OrderJson(ExchangeOrderState o) => new
    {
        avgPrice = "0.00000",
        clientOrderId = o.ClientOrderId,
        cumQuote = "0",
        cumQty = o.FilledQuantity.ToString(),
        executedQty = o.FilledQuantity.ToString(),
        orderId = long.Parse(o.ExchangeOrderId, CultureInfo.InvariantCulture),
        origQty = o.Quantity.ToString(),
        origType = NativeType(o),
        price = o.NativeType.Contains("STOP", StringComparison.Ordinal) && o.Type != OrderType.Market ? "0" : o.LimitPrice?.ToString() ?? "0",
        reduceOnly = o.ReduceOnly,
        side = o.Side.ToCode(),
        positionSide = "BOTH",
        status = o.Status switch
        {
            OrderStatus.Open => "NEW",
            OrderStatus.PartiallyFilled => "PARTIALLY_FILLED",
            OrderStatus.Filled => "FILLED",
            OrderStatus.Rejected => "REJECTED",
            _ => "CANCELED",
        },
        stopPrice = o.NativeType is "MARKET" or "LIMIT" or "IOC" or "FOK" ? "0" : o.LimitPrice?.ToString() ?? "1",
        closePosition = false,
        symbol = o.Symbol.Value,
        time = o.UpdatedAt.ToUnixTimeMilliseconds(),
        timeInForce = o.Type switch { OrderType.Ioc => "IOC", OrderType.Fok => "FOK", _ => "GTC" },
        type = NativeType(o),
        updateTime = o.UpdatedAt.ToUnixTimeMilliseconds(),
        workingType = "CONTRACT_PRICE",
        priceProtect = false,
        priceMatch = "NONE",
        selfTradePreventionMode = "EXPIRE_MAKER",
        goodTillDate = 0,
    };

    // Binance's type name: IOC and FOK are LIMIT orders with their time in force; the other kinds keep their own name.
    private static string NativeType(ExchangeOrderState o) => o.Type switch
    {
        OrderType.Ioc or OrderType.Fok or OrderType.Limit when o.NativeType is "LIMIT" or "IOC" or "FOK" => "LIMIT",
        OrderType.Market when o.NativeType == "MARKET" => "MARKET",
        _ => o.NativeType,
    };

    private sealed record Incoming(string Method, string Path, string Query, string Body, string? ApiKey);

    private sealed record Reply(int Status, string Body, IReadOnlyDictionary<string, string>? Headers)
    {
        public string ContentType => Body.StartsWith('<') ? "text/html" : "application/json";

        public IEnumerable<KeyValuePair<string, string>> HeadersWith(int? usedWeight) =>
            (usedWeight is { } weight ? [new("X-MBX-USED-WEIGHT-1M", weight.ToString(CultureInfo.InvariantCulture))] : Array.Empty<KeyValuePair<string, string>>())
                .Concat(Headers ?? new Dictionary<string, string>());

        public int? Code => Status >= 400 && Body.StartsWith("{\"code\":", StringComparison.Ordinal)
            ? int.Parse(Body[8..Body.IndexOf(',', StringComparison.Ordinal)], CultureInfo.InvariantCulture)
            : null;

        public static Reply Ok(object value) => new(200, JsonSerializer.Serialize(value, Json), null);

        public static Reply Error(int status, int code, string message) =>
            new(status, $$"""{"code":{{code.ToString(CultureInfo.InvariantCulture)}},"msg":"{{message}}"}""", null);
    }

    // The in-process transport: the same server, reached without a socket.
    private sealed class InProcessHandler(FakeBinanceServer server) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var uri = request.RequestUri!;
            var incoming = new Incoming(
                request.Method.Method,
                uri.AbsolutePath,
                uri.Query.Length > 0 ? uri.Query[1..] : string.Empty,
                body,
                request.Headers.TryGetValues("X-MBX-APIKEY", out var keys) ? keys.FirstOrDefault() : null);
            var (reply, weight) = await server.RespondAsync(incoming, cancellationToken).ConfigureAwait(false);
            if (reply is null)
            {
                throw new HttpRequestException(HttpRequestError.ResponseEnded, "the server closed the connection without an answer (in-process fake)");
            }

            var response = new HttpResponseMessage((HttpStatusCode)reply.Status)
            {
                RequestMessage = request,
                Content = new StringContent(reply.Body, Encoding.UTF8, reply.ContentType),
            };
            foreach (var (name, value) in reply.HeadersWith(weight))
            {
                response.Headers.TryAddWithoutValidation(name, value);
            }

            return response;
        }
    }
}
