using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>One entry of Binance's funding rate history (<c>GET /fapi/v1/fundingRate</c>).</summary>
/// <param name="Symbol">The perpetual.</param>
/// <param name="Rate">The rate that was paid.</param>
/// <param name="FundingTime">When it was paid.</param>
/// <param name="MarkPrice">The mark price at that time; null where Binance does not report one.</param>
public sealed record BinanceFundingRate(Symbol Symbol, FundingRate Rate, DateTimeOffset FundingTime, Price? MarkPrice);

/// <summary>
/// The Binance USDⓈ-M futures REST adapter (exchange name BINANCE), one-way position mode.
/// <list type="bullet">
/// <item><description>Orders carry the ledger's idempotency key as <c>newClientOrderId</c> and are looked up with
/// <c>origClientOrderId</c>. Binance keeps a client order id unique only among <em>open</em> orders: the ledger sends
/// a key once, so the order goes out without a look-up first (nothing between the ledger's lease check and the POST
/// but the rate gate and the signature); a -4116 (an open order has this id) is answered with that order, looked up.
/// A POST is sent once: never retried, and not even after a -1021
/// (the server time is re-measured for the next request, and the order is Rejected). A request whose
/// <see cref="OrderRequest.SendDeadline"/> passes before it is signed (waiting for the rate limit, say) is not sent.
/// <c>reduceOnly=true</c> is sent for a reduce-only order (the adapter requires one-way mode).</description></item>
/// <item><description>Quantity and price must already be on the MARKET_LOT_SIZE (market) or LOT_SIZE step and the
/// PRICE_FILTER tick of <c>/fapi/v1/exchangeInfo</c> (cached for an hour), at or above the minimum quantity: the
/// ledger rounds before it writes the intent, so what it records is what is sent. An order off them is
/// <see cref="PlaceOrderResult.Rejected"/> without calling Binance, with the reason.</description></item>
/// <item><description>Outcomes of a POST: an answer with the order is Accepted; a 4xx with a Binance error code is
/// Rejected with the code and message (-1022/-2015/-2014 name the setting to fix), except -1006 and -1007
/// ("execution status unknown"), which are Unknown; 429/418, an open circuit, a connection that could not be opened,
/// a passed send deadline and a rate-limit wait that would be too long are Rejected as "not sent"; a timeout, a
/// connection lost after sending, 408, 5xx (503 "Unknown error" included), a 4xx without a Binance error code and
/// an unreadable answer are Unknown.</description></item>
/// <item><description>Reads throw <see cref="ExchangeException"/> naming the endpoint and the field when Binance
/// cannot answer or answers something malformed; <see cref="GetOrderAsync"/> and <see cref="CancelOrderAsync"/>
/// answer Unknown instead, except for credential and clock errors, which always throw.</description></item>
/// <item><description>Every number is parsed exactly by the Domain's parsers. Fill ids are
/// "BINANCE:&lt;symbol&gt;:&lt;tradeId&gt;" (Binance trade ids are unique per symbol only); fees are kept as
/// charged, in any asset and with their sign; funding payments are the FUNDING_FEE incomes. A trade's order is
/// looked up once by its id for its client order id, type and price; an order a recent trade names that Binance does
/// not show yet (-2013) fails the read, which is tried again next cycle.</description></item>
/// <item><description>Open orders of every type are read (STOP_MARKET, TAKE_PROFIT, TRAILING_STOP_MARKET... with their
/// own type name kept); none is a reason for a read to fail.</description></item>
/// </list>
/// </summary>
public sealed class BinanceExchange : IExchange, IDisposable
{
    /// <summary>Binance's name in the ledger.</summary>
    public static readonly ExchangeName BinanceName = new("BINANCE");

    private const int FundingRatesPerRequest = 1000; // fundingRate's most; the history is read once, not paged

    // Binance answers a query for an order with fills for 90 days: a trade's order it does not show within them is not visible yet.
    private static readonly TimeSpan OrdersWithFillsKept = TimeSpan.FromDays(89);
    private static readonly TimeSpan RulesLifetime = TimeSpan.FromHours(1);
    private static readonly TimeSpan TradeWindow = TimeSpan.FromDays(7); // userTrades: at most 7 days between startTime and endTime
    private static readonly TimeSpan IncomeWindow = TimeSpan.FromDays(180); // income: at most 200 days between startTime and endTime
    private static readonly TimeSpan HistoryKept = TimeSpan.FromDays(180); // userTrades: only the past 6 months

    private readonly BinanceFuturesClient _client;
    private readonly BinanceServerClock _clock;
    private readonly BinanceRateGate _gate;
    private readonly BinanceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _rulesLock = new(1, 1);
    private readonly ConcurrentDictionary<(string Symbol, long OrderId), OrderFacts> _orderFacts = new();
    private Dictionary<string, SymbolInfoDto>? _symbols;
    private DateTimeOffset _symbolsReadAt;

    internal BinanceExchange(BinanceFuturesClient client, BinanceServerClock clock, BinanceRateGate gate, BinanceOptions options, TimeProvider time, ILogger<BinanceExchange> logger)
    {
        _client = client;
        _clock = clock;
        _gate = gate;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public ExchangeName Name => BinanceName;

    /// <inheritdoc />
    /// <remarks>recvWindow: Binance refuses a request signed longer ago than that.</remarks>
    public TimeSpan RequestValidity => TimeSpan.FromMilliseconds(_options.RecvWindowMs);

    /// <inheritdoc />
    /// <remarks>The host's clock plus the offset measured with GET /fapi/v1/time, measured first if it never was or has aged.</remarks>
    public async Task<DateTimeOffset> ExchangeTimeAtAsync(DateTimeOffset hostTime, CancellationToken cancellationToken)
    {
        if (_clock.NeedsSync)
        {
            try
            {
                await _client.SyncClockAsync(force: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsTransport(exception, cancellationToken))
            {
                throw new ExchangeException(Redact($"Binance's clock could not be read: {DescribeTransport(exception)}"), exception);
            }
        }

        return hostTime + TimeSpan.FromMilliseconds(_clock.OffsetMs);
    }

    /// <inheritdoc />
    public async Task<InstrumentRules> GetInstrumentAsync(Symbol symbol, CancellationToken cancellationToken)
    {
        var symbols = await SymbolsAsync(cancellationToken).ConfigureAwait(false);
        if (!symbols.TryGetValue(symbol.Value, out var info))
        {
            throw new SymbolNotListedException($"GET /fapi/v1/exchangeInfo does not list {symbol}: Binance USDⓈ-M futures does not trade it");
        }

        return Convert("GET /fapi/v1/exchangeInfo", () => BinanceMapping.ToRules(info));
    }

    /// <inheritdoc />
    public async Task<FundingQuote> GetFundingQuoteAsync(Symbol symbol, CancellationToken cancellationToken)
    {
        var request = Get("/fapi/v1/premiumIndex", new BinanceParameters().Add("symbol", symbol.Value), signed: false, weight: 1);
        var dto = await ReadAsync(request, BinanceJsonContext.Default.PremiumIndexDto, cancellationToken).ConfigureAwait(false);
        var quote = Convert(request.Endpoint, () => BinanceMapping.ToQuote(dto));
        return quote.Symbol == symbol ? quote : throw new ExchangeException($"{request.Endpoint} answered for {quote.Symbol}, not {symbol}");
    }

    /// <summary>The funding rates paid on <paramref name="symbol"/> at or after <paramref name="since"/>, oldest first (at most 1000).</summary>
    public async Task<IReadOnlyList<BinanceFundingRate>> GetFundingRateHistoryAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var request = Get(
            "/fapi/v1/fundingRate",
            new BinanceParameters().Add("symbol", symbol.Value).Add("startTime", since.ToUnixTimeMilliseconds()).Add("limit", FundingRatesPerRequest),
            signed: false,
            weight: 1);
        var dtos = await ReadAsync(request, BinanceJsonContext.Default.ListFundingRateDto, cancellationToken).ConfigureAwait(false);
        return Convert(request.Endpoint, () => dtos.Select(BinanceMapping.ToFundingRate).OrderBy(r => r.FundingTime).ToList());
    }

    /// <inheritdoc />
    public async Task<PlaceOrderResult> PlaceOrderAsync(OrderRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = request.ClientOrderId.Value;
        var result = await PlaceAsync(request, cancellationToken).ConfigureAwait(false);
        switch (result)
        {
            case PlaceOrderResult.Rejected rejected:
                BinanceLog.OrderRejected(_logger, key, rejected.Reason);
                break;
            case PlaceOrderResult.Unknown unknown:
                BinanceLog.OrderOutcomeUnknown(_logger, key, unknown.Reason);
                break;
            default:
                break;
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<OrderLookupResult> GetOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken)
    {
        var request = Get("/fapi/v1/order", new BinanceParameters().Add("symbol", symbol.Value).Add("origClientOrderId", clientOrderId.Value), signed: true, weight: 1);
        BinanceResponse response;
        try
        {
            response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsTransport(exception, cancellationToken))
        {
            return new OrderLookupResult.Unknown(Redact($"{request.Endpoint}: {DescribeTransport(exception)}"));
        }

        if (response.IsSuccess)
        {
            return TryReadOrder(response, out var state, out var problem)
                ? new OrderLookupResult.Found(state)
                : new OrderLookupResult.Unknown(problem);
        }

        if (response.Code == -2013)
        {
            return new OrderLookupResult.NotFound();
        }

        ThrowIfConfiguration(response);
        return new OrderLookupResult.Unknown(Redact(Describe(response)));
    }

    /// <inheritdoc />
    public async Task<CancelOrderResult> CancelOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken)
    {
        var request = new BinanceRequest(HttpMethod.Delete, "/fapi/v1/order", new BinanceParameters().Add("symbol", symbol.Value).Add("origClientOrderId", clientOrderId.Value), Signed: true, Weight: 1);
        BinanceResponse response;
        try
        {
            response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsTransport(exception, cancellationToken))
        {
            return new CancelOrderResult.Unknown(Redact($"{request.Endpoint}: {DescribeTransport(exception)}"));
        }

        if (response.IsSuccess)
        {
            return TryReadOrder(response, out var state, out var problem)
                ? new CancelOrderResult.Done(state)
                : new CancelOrderResult.Unknown(problem);
        }

        ThrowIfConfiguration(response);
        if (response.Code is -2011 or -2013)
        {
            // Unknown to the order book: either already closed (filled, cancelled, expired) or never seen.
            return await GetOrderAsync(symbol, clientOrderId, cancellationToken).ConfigureAwait(false) switch
            {
                OrderLookupResult.Found found => new CancelOrderResult.Done(found.State),
                OrderLookupResult.NotFound => new CancelOrderResult.NotFound(),
                OrderLookupResult.Unknown unknown => new CancelOrderResult.Unknown(unknown.Reason),
                _ => new CancelOrderResult.Unknown("unexpected lookup result"),
            };
        }

        return new CancelOrderResult.Unknown(Redact(Describe(response)));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExchangeOrderState>> GetOpenOrdersAsync(Symbol? symbol, CancellationToken cancellationToken)
    {
        var parameters = new BinanceParameters();
        if (symbol is { } s)
        {
            parameters.Add("symbol", s.Value);
        }

        var request = Get("/fapi/v1/openOrders", parameters, signed: true, weight: symbol is null ? 40 : 1);
        var dtos = await ReadAsync(request, BinanceJsonContext.Default.ListOrderDto, cancellationToken).ConfigureAwait(false);
        var orders = Convert(request.Endpoint, () => dtos.Select(BinanceMapping.ToOrder).ToList());
        foreach (var dto in dtos)
        {
            Remember(dto);
        }

        return orders;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Walks <c>/fapi/v1/userTrades</c> in windows of seven days (Binance's limit) from <paramref name="since"/>
    /// (Binance keeps six months) to now. When a window's page comes back full, the rest of the history follows by trade
    /// id (<c>fromId</c>, which Binance takes without a time window; ids grow with time), a page at a time until one is
    /// not full: however many trades share a millisecond, none is skipped or read twice. Binance does not report the
    /// client order id of a trade; it is filled in from the order, with its type and price (looked up once per order id
    /// and remembered).
    /// </remarks>
    public async Task<IReadOnlyList<ExchangeTrade>> GetTradesAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var sinceMs = since.ToUnixTimeMilliseconds();
        var dtos = new Dictionary<long, TradeDto>();
        var windowStart = Math.Max(sinceMs, (_clock.Now - HistoryKept).ToUnixTimeMilliseconds());
        do
        {
            var windowEnd = windowStart + (TradeWindow.Ticks / TimeSpan.TicksPerMillisecond) - 1;
            var page = await ReadTradesAsync(new BinanceParameters().Add("symbol", symbol.Value).Add("startTime", windowStart).Add("endTime", windowEnd), dtos, cancellationToken).ConfigureAwait(false);
            if (page.Count >= _options.PageLimit)
            {
                while (page.Count >= _options.PageLimit)
                {
                    page = await ReadTradesAsync(new BinanceParameters().Add("symbol", symbol.Value).Add("fromId", page.Max(t => t.Id) + 1), dtos, cancellationToken).ConfigureAwait(false);
                }

                break; // every trade after the full page has been read, whatever its time
            }

            windowStart = windowEnd + 1;
        }
        while (windowStart <= _clock.NowMs);

        var facts = new Dictionary<long, OrderFacts?>();
        foreach (var group in dtos.Values.GroupBy(t => t.OrderId))
        {
            facts[group.Key] = await OrderFactsAsync(symbol, group.Key, group.Max(t => t.Time), cancellationToken).ConfigureAwait(false);
        }

        var trades = Convert("GET /fapi/v1/userTrades", () => dtos.Values.Select(t => BinanceMapping.ToTrade(t, facts[t.OrderId]?.ClientOrderId) with
        {
            OrderKind = facts[t.OrderId]?.Type,
            OrderPrice = facts[t.OrderId]?.Price,
        }).ToList());
        return [.. trades.Where(t => t.Time >= since && t.Symbol == symbol).OrderBy(t => t.Time).ThenBy(t => t.ExchangeFillId.Value, StringComparer.Ordinal)];
    }

    // One page of userTrades (the symbol and a time window or a first id, then the page size); its trades are added by id.
    private async Task<List<TradeDto>> ReadTradesAsync(BinanceParameters query, Dictionary<long, TradeDto> into, CancellationToken cancellationToken)
    {
        var page = await ReadAsync(Get("/fapi/v1/userTrades", query.Add("limit", _options.PageLimit), signed: true, weight: 5), BinanceJsonContext.Default.ListTradeDto, cancellationToken).ConfigureAwait(false);
        foreach (var trade in page)
        {
            into.TryAdd(trade.Id, trade);
        }

        return page;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PositionView>> GetPositionsAsync(CancellationToken cancellationToken)
    {
        var request = Get("/fapi/v3/positionRisk", new BinanceParameters(), signed: true, weight: 5);
        var dtos = await ReadAsync(request, BinanceJsonContext.Default.ListPositionDto, cancellationToken).ConfigureAwait(false);
        return Convert(request.Endpoint, () => dtos.Select(BinanceMapping.ToPosition).OfType<PositionView>().OrderBy(p => p.Symbol.Value, StringComparer.Ordinal).ToList());
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BalanceView>> GetBalancesAsync(CancellationToken cancellationToken)
    {
        var request = Get("/fapi/v3/balance", new BinanceParameters(), signed: true, weight: 5);
        var dtos = await ReadAsync(request, BinanceJsonContext.Default.ListBalanceDto, cancellationToken).ConfigureAwait(false);
        return Convert(request.Endpoint, () => dtos.Select(BinanceMapping.ToBalance).OfType<BalanceView>().OrderBy(b => b.Asset.Code, StringComparer.Ordinal).ToList());
    }

    /// <inheritdoc />
    /// <remarks>The FUNDING_FEE entries of <c>/fapi/v1/income</c>, in windows of 180 days (Binance allows 200), 1000 a page.</remarks>
    public async Task<IReadOnlyList<FundingPayment>> GetFundingPaymentsAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var sinceMs = since.ToUnixTimeMilliseconds();
        var dtos = new Dictionary<long, IncomeDto>();
        var windowStart = Math.Max(sinceMs, (_clock.Now - HistoryKept).ToUnixTimeMilliseconds());
        do
        {
            var windowEnd = windowStart + (IncomeWindow.Ticks / TimeSpan.TicksPerMillisecond) - 1;
            var pageStart = windowStart;
            while (true)
            {
                var request = Get(
                    "/fapi/v1/income",
                    new BinanceParameters().Add("incomeType", "FUNDING_FEE").Add("startTime", pageStart).Add("endTime", windowEnd).Add("limit", _options.PageLimit),
                    signed: true,
                    weight: 30);
                var page = await ReadAsync(request, BinanceJsonContext.Default.ListIncomeDto, cancellationToken).ConfigureAwait(false);
                foreach (var income in page.Where(i => i.IncomeType == "FUNDING_FEE"))
                {
                    dtos.TryAdd(income.TranId, income);
                }

                if (page.Count < _options.PageLimit)
                {
                    break;
                }

                pageStart = NextPageStart(request, pageStart, page.Max(i => i.Time));
            }

            windowStart = windowEnd + 1;
        }
        while (windowStart <= _clock.NowMs);

        var payments = Convert("GET /fapi/v1/income", () => dtos.Values.Select(BinanceMapping.ToFundingPayment).ToList());
        return [.. payments.Where(p => p.PaidAt >= since).OrderBy(p => p.PaidAt).ThenBy(p => p.ExchangePaymentId, StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _rulesLock.Dispose();
        _client.Dispose();
    }

    /// <summary>Failures of the transport, and refusals to send (rate limit, open circuit, no server time), as opposed to the caller cancelling.</summary>
    internal static bool IsTransport(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException or TimeoutRejectedException or BrokenCircuitException or BinanceRateLimitedException or BinanceNotSentException or IOException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>True when the request certainly did not reach Binance.</summary>
    internal static bool NotSent(Exception exception) => exception switch
    {
        BrokenCircuitException or BinanceRateLimitedException or BinanceNotSentException => true,
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError } => true,
        _ => false,
    };

    internal static string DescribeTransport(Exception exception) => exception switch
    {
        TimeoutRejectedException => $"no answer within the attempt timeout ({exception.Message})",
        BrokenCircuitException => "the circuit breaker is open after repeated failures of the exchange; the request was not sent",
        BinanceRateLimitedException or BinanceNotSentException => exception.Message,
        HttpRequestException http => $"the connection failed ({http.HttpRequestError}: {http.Message})",
        OperationCanceledException => "the request was cancelled before an answer arrived",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };

    private static BinanceRequest Get(string path, BinanceParameters parameters, bool signed, int weight) =>
        new(HttpMethod.Get, path, parameters, signed, weight);

    private long NextPageStart(BinanceRequest request, long pageStart, long lastTime) =>
        lastTime > pageStart
            ? lastTime // inclusive: entries at that millisecond are asked for again and de-duplicated by id
            : throw new ExchangeException($"{request.Endpoint}: more than {_options.PageLimit.ToString(CultureInfo.InvariantCulture)} entries at one millisecond ({lastTime.ToString(CultureInfo.InvariantCulture)}); they cannot be paged by time");

    private async Task<PlaceOrderResult> PlaceAsync(OrderRequest request, CancellationToken cancellationToken)
    {
        InstrumentRules rules;
        try
        {
            rules = await GetInstrumentAsync(request.Symbol, cancellationToken).ConfigureAwait(false);
        }
        catch (ExchangeException exception)
        {
            return new PlaceOrderResult.Rejected($"not sent: the trading rules could not be read ({exception.Message})") { NotSent = true };
        }

        var market = request.Type == OrderType.Market;
        var step = market ? rules.MarketStepSize : rules.StepSize;
        var minimum = market ? rules.MarketMinQuantity : rules.MinQuantity;
        var quantity = request.Quantity;
        if (quantity.RoundDownTo(step) != quantity || quantity.IsZero || quantity < minimum)
        {
            return new PlaceOrderResult.Rejected($"not sent: quantity {quantity} of {request.Symbol} is not a positive multiple of the {(market ? "MARKET_LOT_SIZE" : "LOT_SIZE")} step {step} at or above the minimum {minimum}") { NotSent = true };
        }

        Price? price = null;
        if (!market)
        {
            if (request.LimitPrice is not { } limit)
            {
                return new PlaceOrderResult.Rejected($"not sent: a {request.Type.ToCode()} order needs a limit price") { NotSent = true };
            }

            if (limit.RoundDownTo(rules.TickSize) != limit)
            {
                return new PlaceOrderResult.Rejected($"not sent: price {limit} of {request.Symbol} is not a multiple of the PRICE_FILTER tick {rules.TickSize}") { NotSent = true };
            }

            price = limit;
        }

        var parameters = new BinanceParameters()
            .Add("symbol", request.Symbol.Value)
            .Add("side", request.Side.ToCode())
            .Add("type", request.Type == OrderType.Market ? "MARKET" : "LIMIT");
        if (price is { } p)
        {
            parameters.Add("timeInForce", request.Type switch { OrderType.Ioc => "IOC", OrderType.Fok => "FOK", _ => "GTC" })
                .Add("quantity", quantity.ToString())
                .Add("price", p.ToString());
        }
        else
        {
            parameters.Add("quantity", quantity.ToString());
        }

        if (request.ReduceOnly)
        {
            parameters.Add("reduceOnly", "true");
        }

        parameters.Add("newClientOrderId", request.ClientOrderId.Value).Add("newOrderRespType", "RESULT");
        var post = new BinanceRequest(HttpMethod.Post, "/fapi/v1/order", parameters, Signed: true, Weight: 0) { NotAfter = request.SendDeadline };

        BinanceResponse response;
        try
        {
            response = await _client.SendAsync(post, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsTransport(exception, cancellationToken))
        {
            var what = Redact($"{post.Endpoint}: {DescribeTransport(exception)}");
            return NotSent(exception) ? new PlaceOrderResult.Rejected("not sent: " + what) { NotSent = true } : new PlaceOrderResult.Unknown(what);
        }

        if (response.IsSuccess)
        {
            return TryReadOrder(response, out var state, out var problem)
                ? new PlaceOrderResult.Accepted(state)
                : new PlaceOrderResult.Unknown($"the order was accepted (HTTP {((int)response.Status).ToString(CultureInfo.InvariantCulture)}) but the answer could not be read: {problem}");
        }

        if (response.Code == -4116)
        {
            BinanceLog.OrderAlreadyExists(_logger, request.ClientOrderId.Value);
            OrderLookupResult lookup;
            try
            {
                lookup = await GetOrderAsync(request.Symbol, request.ClientOrderId, cancellationToken).ConfigureAwait(false);
            }
            catch (ExchangeException exception)
            {
                return new PlaceOrderResult.Unknown($"-4116 duplicate client order id, and the lookup failed: {exception.Message}");
            }

            return lookup is OrderLookupResult.Found found
                ? new PlaceOrderResult.Accepted(found.State)
                : new PlaceOrderResult.Unknown($"-4116 duplicate client order id, but the order could not be found by it ({lookup})");
        }

        var status = (int)response.Status;
        if (status == 429 || status == 418)
        {
            return new PlaceOrderResult.Rejected("not processed: " + Redact(Describe(response))) { NotSent = true };
        }

        // -1006 and -1007: "execution status unknown", whatever the HTTP status.
        if (status is >= 400 and < 500 && status != (int)HttpStatusCode.RequestTimeout && response.Error is not null && response.Code is not (-1006 or -1007))
        {
            if (IsConfiguration(response.Code))
            {
                BinanceLog.ConfigurationProblem(_logger, Redact(Describe(response)));
            }

            return new PlaceOrderResult.Rejected(Redact(Describe(response)));
        }

        // 408, 5xx (503 "Unknown error, please check your request or try again later." above all), -1006/-1007 and
        // answers that are not Binance's (a 4xx without its error code: a proxy, a firewall): the order may have been executed.
        return new PlaceOrderResult.Unknown(Redact(Describe(response)));
    }

    private bool TryReadOrder(BinanceResponse response, out ExchangeOrderState state, out string problem)
    {
        try
        {
            var dto = BinanceJson.Read(response.Body, BinanceJsonContext.Default.OrderDto);
            state = BinanceMapping.ToOrder(dto);
            Remember(dto);
            problem = string.Empty;
            return true;
        }
        catch (BinanceWireException exception)
        {
            state = null!;
            problem = Redact($"{response.Request.Endpoint} answered something the adapter cannot read: {exception.Message}");
            return false;
        }
    }

    // What a trade's order is: its client order id, type and price. Binance forgets orders after 90 days (the trade is then
    // reported without them); an order a younger trade names that it does not show yet fails the read, tried again later:
    // reported without its client id, one of the ledger's own trades would be taken for someone else's.
    private async Task<OrderFacts?> OrderFactsAsync(Symbol symbol, long orderId, long lastTradeMs, CancellationToken cancellationToken)
    {
        if (_orderFacts.TryGetValue((symbol.Value, orderId), out var known))
        {
            return known;
        }

        var request = Get("/fapi/v1/order", new BinanceParameters().Add("symbol", symbol.Value).Add("orderId", orderId), signed: true, weight: 1);
        var response = await SendReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Code == -2013)
        {
            if (_clock.NowMs - lastTradeMs < OrdersWithFillsKept.Ticks / TimeSpan.TicksPerMillisecond)
            {
                throw new ExchangeException($"{request.Endpoint}: order {orderId.ToString(CultureInfo.InvariantCulture)} of a trade on {symbol} is not visible yet (-2013); the trades are read again next time");
            }

            return null;
        }

        if (!response.IsSuccess)
        {
            throw Failure(response);
        }

        var dto = Convert(request.Endpoint, () => BinanceJson.Read(response.Body, BinanceJsonContext.Default.OrderDto));
        Convert(request.Endpoint, () => BinanceMapping.ClientOrderId(dto.ClientOrderId));
        if (dto.OrderId != orderId)
        {
            throw new ExchangeException($"{request.Endpoint} answered order {dto.OrderId.ToString(CultureInfo.InvariantCulture)} when asked for order {orderId.ToString(CultureInfo.InvariantCulture)}");
        }

        return Remember(dto) ?? throw new ExchangeException($"{request.Endpoint} answered order {orderId.ToString(CultureInfo.InvariantCulture)} in a form the adapter cannot read");
    }

    private OrderFacts? Remember(OrderDto dto)
    {
        try
        {
            var state = BinanceMapping.ToOrder(dto);
            var facts = new OrderFacts(dto.ClientOrderId, state.NativeType, state.LimitPrice);
            _orderFacts[(dto.Symbol, dto.OrderId)] = facts;
            return facts;
        }
        catch (BinanceWireException)
        {
            return null;
        }
    }

    /// <summary>What a trade's order is, as far as its trades need it.</summary>
    private sealed record OrderFacts(string ClientOrderId, string Type, Price? Price);

    private async Task<Dictionary<string, SymbolInfoDto>> SymbolsAsync(CancellationToken cancellationToken)
    {
        await _rulesLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_symbols is null || _time.GetUtcNow() - _symbolsReadAt > RulesLifetime)
            {
                var request = Get("/fapi/v1/exchangeInfo", new BinanceParameters(), signed: false, weight: 1);
                var info = await ReadAsync(request, BinanceJsonContext.Default.ExchangeInfoDto, cancellationToken).ConfigureAwait(false);
                var weight = info.RateLimits?.FirstOrDefault(l => l.RateLimitType == "REQUEST_WEIGHT" && l.Interval == "MINUTE" && l.IntervalNum == 1);
                if (weight is not null)
                {
                    _gate.SetWeightLimit(weight.Limit);
                }

                _symbols = info.Symbols.GroupBy(s => s.Symbol, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
                _symbolsReadAt = _time.GetUtcNow();
            }

            return _symbols;
        }
        finally
        {
            _rulesLock.Release();
        }
    }

    private async Task<T> ReadAsync<T>(BinanceRequest request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var response = await SendReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            throw Failure(response);
        }

        return Convert(request.Endpoint, () => BinanceJson.Read(response.Body, type));
    }

    private async Task<BinanceResponse> SendReadAsync(BinanceRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsTransport(exception, cancellationToken))
        {
            throw new ExchangeException(Redact($"{request.Endpoint} could not be answered: {DescribeTransport(exception)}"), exception);
        }
    }

    private T Convert<T>(string endpoint, Func<T> map)
    {
        try
        {
            return map();
        }
        catch (BinanceWireException exception)
        {
            throw new ExchangeException(Redact($"{endpoint} answered something the adapter cannot read: {exception.Message}"), exception);
        }
    }

    private ExchangeException Failure(BinanceResponse response)
    {
        var message = Redact(Describe(response));
        if (IsConfiguration(response.Code))
        {
            BinanceLog.ConfigurationProblem(_logger, message);
        }

        return new ExchangeException(message);
    }

    private void ThrowIfConfiguration(BinanceResponse response)
    {
        if (IsConfiguration(response.Code))
        {
            throw Failure(response);
        }
    }

    private static bool IsConfiguration(int? code) => code is -1021 or -1022 or -2014 or -2015;

    private string Describe(BinanceResponse response)
    {
        var endpoint = response.Request.Endpoint;
        var message = response.Error?.Msg;
        var retry = response.RetryAfter is { } after ? $", Retry-After {Seconds(after)} s" : string.Empty;
        return (response.Code, (int)response.Status) switch
        {
            (-1021, _) => $"{endpoint}: Binance refused the timestamp (-1021 {message}) even after re-synchronising with GET /fapi/v1/time (offset {_clock.OffsetMs.ToString(CultureInfo.InvariantCulture)} ms); check this host's clock or raise Exchange:Binance:RecvWindowMs",
            (-1022, _) => $"{endpoint}: Binance refused the signature (-1022 {message}); Exchange:Binance:ApiSecret is not the secret of Exchange:Binance:ApiKey",
            (-2015, _) => $"{endpoint}: Binance refused the API key (-2015 {message}); check Exchange:Binance:ApiKey, the key's IP allow-list and that it may use USDⓈ-M futures",
            (-2014, _) => $"{endpoint}: Binance says Exchange:Binance:ApiKey is not a valid API key (-2014 {message})",
            (_, 418) => $"{endpoint}: Binance has banned this IP for sending too many requests (HTTP 418{retry}); nothing is sent until the ban ends",
            (_, 429) => $"{endpoint}: Binance's rate limit was hit (HTTP 429{retry}); the request was not processed",
            _ => $"{endpoint}: {response.Summary}",
        };
    }

    private static string Seconds(TimeSpan span) => (span.Ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture);

    private string Redact(string text)
    {
        foreach (var secret in new[] { _options.ApiSecret, _options.ApiKey })
        {
            if (secret.Length >= 4)
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
