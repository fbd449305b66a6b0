using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Infrastructure.Exchanges.Paper;

/// <summary>
/// A simulated USDⓈ-M perpetual exchange, the embedded default. Prices move one step per simulated minute
/// (a seeded random walk of up to ±20 bps, pulled back towards the starting price), funding rates swing between about -2 and +6 basis points, funding is paid at
/// 00:00, 08:00 and 16:00 simulated UTC, market orders fill in one to <see cref="PaperExchangeOptions.MaxTradesPerMarketOrder"/> trades (three by default), each a tick
/// further from the mark, with a 4 bps taker fee,
/// limit orders fill when the price crosses them (2 bps maker fee). It keeps Binance's rules: a client order id
/// is unique among open orders only (the id of an open order returns that order; the id of a closed one makes a
/// new order), a quantity or price off the symbol's step or tick, under its minimum or under its minimum
/// notional (reduce-only orders are exempt) is refused, a reduce-only order that would not reduce the position
/// is refused (-2022), and a request past its send deadline is not sent. All times are the simulated clock's,
/// which runs <see cref="PaperExchangeOptions.Speed"/> times faster than real time, except the send deadline and
/// late visibility, which are real time (this host's clock). The state is kept in a SQLite file at
/// <see cref="PaperExchangeOptions.StatePath"/>, every call one transaction committed before it answers, which several
/// processes share; a call's cost does not grow with the history of orders and trades.
/// </summary>
public sealed class PaperExchange : IExchange, IDisposable
{
    /// <summary>The paper exchange's name in the ledger.</summary>
    public static readonly ExchangeName PaperName = new("PAPER");

    private static readonly Asset Usdt = new("USDT");

    // Binance answers at most 1,000 trades a query: an order of more could not be read back in one.
    private const int MostTradesPerMarketOrder = 1_000;
    private static readonly TimeSpan StepLength = TimeSpan.FromMinutes(1);
    private const long FundingIntervalSeconds = 8 * 3600;
    private const long TakerFeeRate = 40_000; // 4 bps in 1e-8
    private const long MakerFeeRate = 20_000; // 2 bps in 1e-8
    private const int FundingPeriodSteps = 6 * 60;

    // Each minute the price moves back towards where it started by this fraction of the gap (half-life about two simulated
    // days): a walk of ±20 bps a minute alone wanders without bound (and its median falls), so a long run, or a fast clock,
    // ended with prices of a few cents; with the pull, prices stay within about 5% of the start (one standard deviation).
    private const long ReversionSteps = 4_000;
    private static readonly string[] ExecutableTypes = ["MARKET", "LIMIT", "IOC", "FOK"];

    private static readonly Dictionary<string, (long Start, InstrumentRules Rules)> Instruments = new(StringComparer.Ordinal)
    {
        ["BTCUSDT"] = (6_400_000_000_000, Rules("BTCUSDT", "BTC", "0.1", "0.001", "0.001", "100")),
        ["ETHUSDT"] = (320_000_000_000, Rules("ETHUSDT", "ETH", "0.01", "0.001", "0.001", "20")),
        ["SOLUSDT"] = (15_000_000_000, Rules("SOLUSDT", "SOL", "0.01", "0.01", "0.01", "5")),
        ["BNBUSDT"] = (60_000_000_000, Rules("BNBUSDT", "BNB", "0.01", "0.01", "0.01", "5")),
    };

    private readonly PaperExchangeOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Random _faults;
    private readonly string[] _symbols;
    private readonly IPaperBook _book;
    private PaperState _state;

    /// <summary>Opens the paper exchange, continuing from its state file when there is one.</summary>
    public PaperExchange(PaperExchangeOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var balance = Validate(options);
        _options = options;
        _time = time;
        _symbols = [.. options.Symbols];
        _faults = new Random(options.Seed + 1);
        _book = InMemory ? new MemoryPaperBook(NewState(balance)) : SqlitePaperBook.Open(options.StatePath, () => NewState(balance));
        try
        {
            _state = _book.Begin();
            if (_state.Speed is { } speed && speed != options.Speed)
            {
                throw new ArgumentException(
                    $"Exchange:Paper:Speed is {options.Speed}, but the paper exchange in '{options.StatePath}' has run at {speed}: at another speed its " +
                    $"clock would jump {(options.Speed < speed ? "back" : "ahead")} and its trades' times with it. Set Exchange:Paper:Speed to {speed}, " +
                    "or start a new paper exchange (another Exchange:Paper:StatePath)",
                    nameof(options));
            }

            _state.Speed = options.Speed;
            EnsureSymbols();
            AddForeignOrders();
            _book.Commit(_state);
        }
        catch
        {
            _book.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ExchangeName Name => PaperName;

    /// <inheritdoc />
    /// <remarks>The paper exchange executes a request when it receives it.</remarks>
    public TimeSpan RequestValidity => TimeSpan.Zero;

    /// <summary>Checks the options without opening anything; throws <see cref="ArgumentException"/> naming the wrong setting.</summary>
    /// <returns>The starting balance.</returns>
    public static Amount Validate(PaperExchangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Speed is < 1 or > 100_000)
        {
            throw new ArgumentException($"Exchange:Paper:Speed is {options.Speed}; expected 1 to 100000 simulated seconds per second", nameof(options));
        }

        foreach (var symbol in options.Symbols.Where(s => !Instruments.ContainsKey(s)))
        {
            throw new ArgumentException($"the paper exchange does not list {symbol}; it lists {string.Join(", ", Instruments.Keys)}", nameof(options));
        }

        if (!Amount.TryParse(options.StartingBalance, out var balance, out var error) || balance.Units <= 0)
        {
            throw new ArgumentException($"Exchange:Paper:StartingBalance '{options.StartingBalance}' is not a positive amount{(error.Length > 0 ? ": " + error : string.Empty)}", nameof(options));
        }

        if (options.MaxTradesPerMarketOrder is < 1 or > MostTradesPerMarketOrder)
        {
            throw new ArgumentException($"Exchange:Paper:MaxTradesPerMarketOrder is {options.MaxTradesPerMarketOrder}; expected 1 to {MostTradesPerMarketOrder} trades", nameof(options));
        }

        PositionsWithoutTrades(options);
        foreach (var (name, value, most) in new[]
        {
            ("AnswerLostPercent", options.Faults.AnswerLostPercent, 100), ("UnknownPercent", options.Faults.UnknownPercent, 100),
            ("RateLimitPercent", options.Faults.RateLimitPercent, 100), ("DuplicateTradesPercent", options.Faults.DuplicateTradesPercent, 100),
            ("OutOfOrderTradesPercent", options.Faults.OutOfOrderTradesPercent, 100), ("ExchangeClosePercent", options.Faults.ExchangeClosePercent, 100),
            ("ExpirePercent", options.Faults.ExpirePercent, 100), ("LateVisibilitySeconds", options.Faults.LateVisibilitySeconds, 3600),
            ("SlowReadMilliseconds", options.Faults.SlowReadMilliseconds, 60_000),
        })
        {
            if (value < 0 || value > most)
            {
                throw new ArgumentException($"Exchange:Paper:Faults:{name} is {value}; expected 0 to {most}", nameof(options));
            }
        }

        return balance;
    }

    // "BTCUSDT:-0.01,ETHUSDT:0.5": symbol and signed quantity, each on a traded symbol.
    private static Dictionary<string, Amount> PositionsWithoutTrades(PaperExchangeOptions options)
    {
        var positions = new Dictionary<string, Amount>(StringComparer.Ordinal);
        foreach (var part in options.Faults.PositionsWithoutTrades.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var cut = part.IndexOf(':', StringComparison.Ordinal);
            if (cut <= 0 || !options.Symbols.Contains(part[..cut]) || !Amount.TryParse(part[(cut + 1)..], out var quantity, out _) || quantity.IsZero)
            {
                throw new ArgumentException($"Exchange:Paper:Faults:PositionsWithoutTrades has '{part}'; expected SYMBOL:quantity for a traded symbol, e.g. BTCUSDT:-0.01", nameof(options));
            }

            positions[part[..cut]] = quantity;
        }

        return positions;
    }

    /// <summary>The simulated time now.</summary>
    public DateTimeOffset SimulatedNow => SimulatedAt(_time.GetUtcNow());

    /// <inheritdoc />
    /// <remarks>The simulated clock at that time (before the exchange's state began, at one simulated second a second).</remarks>
    public Task<DateTimeOffset> ExchangeTimeAtAsync(DateTimeOffset hostTime, CancellationToken cancellationToken) =>
        Task.FromResult(SimulatedAt(hostTime));

    private DateTimeOffset SimulatedAt(DateTimeOffset hostTime)
    {
        var elapsed = hostTime - _state.RealOrigin;
        return _state.VirtualOrigin + (elapsed < TimeSpan.Zero ? elapsed : TimeSpan.FromTicks(checked(elapsed.Ticks * _options.Speed)));
    }

    /// <inheritdoc />
    public Task<InstrumentRules> GetInstrumentAsync(Symbol symbol, CancellationToken cancellationToken) =>
        Task.FromResult(RulesOf(symbol));

    /// <inheritdoc />
    public async Task<FundingQuote> GetFundingQuoteAsync(Symbol symbol, CancellationToken cancellationToken)
    {
        await SlowReadAsync(cancellationToken).ConfigureAwait(false);
        return await WithStateAsync(() =>
        {
            var s = SymbolState(symbol);
            var now = SimulatedNow;
            var next = DateTimeOffset.FromUnixTimeSeconds(((now.ToUnixTimeSeconds() / FundingIntervalSeconds) + 1) * FundingIntervalSeconds);
            return new FundingQuote(symbol, new FundingRate(s.FundingRateUnits), new Price(s.MarkUnits), new Price(s.IndexUnits), next, now);
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<PlaceOrderResult> PlaceOrderAsync(OrderRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WithStateAsync<PlaceOrderResult>(() =>
        {
            if (request.SendDeadline is { } deadline && _time.GetUtcNow() > deadline)
            {
                return new PlaceOrderResult.Rejected($"not sent: its send deadline {deadline:O} passed") { NotSent = true };
            }

            var rules = RulesOf(request.Symbol);
            var existing = _book.FindByClientId(request.Symbol.Value, request.ClientOrderId.Value, o => o.IsOpen);
            if (existing is not null)
            {
                return new PlaceOrderResult.Accepted(ToState(existing)); // Binance -4116: an open order has this client order id
            }

            if (Roll(_options.Faults.RateLimitPercent))
            {
                return new PlaceOrderResult.Rejected("not processed: 429 Too Many Requests") { NotSent = true };
            }

            var unknown = Roll(_options.Faults.UnknownPercent);
            if (unknown && _faults.Next(2) == 0)
            {
                return new PlaceOrderResult.Unknown("503 Unknown error, please check your request or try again later.");
            }

            var s = SymbolState(request.Symbol);
            if (Refusal(request, rules, s) is { } refusal)
            {
                return new PlaceOrderResult.Rejected(refusal);
            }

            var order = new PaperOrder
            {
                OrderId = _state.NextOrderId++,
                ClientOrderId = request.ClientOrderId.Value,
                Symbol = request.Symbol.Value,
                Side = request.Side.ToCode(),
                Type = request.Type.ToCode(),
                QuantityUnits = request.Quantity.Units,
                PriceUnits = request.LimitPrice?.Units,
                ReduceOnly = request.ReduceOnly,
                UpdatedAt = SimulatedNow,
            };
            _book.Add(order);
            Execute(order, rules, s, SimulatedNow, onPlacement: true);

            if (unknown || Roll(_options.Faults.AnswerLostPercent))
            {
                if (_options.Faults.LateVisibilitySeconds > 0)
                {
                    order.VisibleAt = _time.GetUtcNow() + TimeSpan.FromSeconds(_options.Faults.LateVisibilitySeconds);
                }

                return new PlaceOrderResult.Unknown(unknown ? "503 Unknown error" : "connection lost after the request was sent");
            }

            return new PlaceOrderResult.Accepted(ToState(order));
        });
    }

    /// <inheritdoc />
    public async Task<OrderLookupResult> GetOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken)
    {
        await SlowReadAsync(cancellationToken).ConfigureAwait(false);
        return await WithStateAsync<OrderLookupResult>(() =>
        {
            var order = _book.FindByClientId(symbol.Value, clientOrderId.Value, Visible);
            return order is null ? new OrderLookupResult.NotFound() : new OrderLookupResult.Found(ToState(order));
        }).ConfigureAwait(false);
    }

    /// <summary>The order with this exchange order id on <paramref name="symbol"/> (Binance's <c>orderId</c> lookup), or null when none is visible.</summary>
    public async Task<ExchangeOrderState?> GetOrderByExchangeIdAsync(Symbol symbol, string exchangeOrderId, CancellationToken cancellationToken)
    {
        await SlowReadAsync(cancellationToken).ConfigureAwait(false);
        return await WithStateAsync(() =>
        {
            var order = long.TryParse(exchangeOrderId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                ? _book.FindById(symbol.Value, id)
                : null;
            return order is null || !Visible(order) ? null : ToState(order);
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<CancelOrderResult> CancelOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) =>
        WithStateAsync<CancelOrderResult>(() =>
        {
            var order = _book.FindByClientId(symbol.Value, clientOrderId.Value, Visible);
            if (order is null)
            {
                return new CancelOrderResult.NotFound();
            }

            if (order.IsOpen)
            {
                order.Status = "CANCELED";
                order.UpdatedAt = SimulatedNow;
            }

            return new CancelOrderResult.Done(ToState(order));
        });

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExchangeOrderState>> GetOpenOrdersAsync(Symbol? symbol, CancellationToken cancellationToken)
    {
        await SlowReadAsync(cancellationToken).ConfigureAwait(false);
        return await WithStateAsync<IReadOnlyList<ExchangeOrderState>>(() =>
            [.. _book.Open(symbol?.Value).Where(Visible).Select(ToState)]).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExchangeTrade>> GetTradesAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await SlowReadAsync(cancellationToken).ConfigureAwait(false);
        return await WithStateAsync<IReadOnlyList<ExchangeTrade>>(() =>
        {
            var trades = _book.TradesSince(symbol.Value, since)
                .Where(t => Visible(t.Order))
                .Select(t => ToTrade(t.Trade, t.Order))
                .ToList();
            if (trades.Count > 1 && Roll(_options.Faults.DuplicateTradesPercent))
            {
                trades.AddRange(trades.Take(1 + _faults.Next(trades.Count)));
            }

            if (trades.Count > 1 && Roll(_options.Faults.OutOfOrderTradesPercent))
            {
                trades = [.. trades.OrderBy(_ => _faults.Next())];
            }

            return trades;
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PositionView>> GetPositionsAsync(CancellationToken cancellationToken)
    {
        await SlowReadAsync(cancellationToken).ConfigureAwait(false);
        return await WithStateAsync<IReadOnlyList<PositionView>>(() =>
            [.. _state.Symbols.Where(kv => kv.Value.NetQuantityUnits != 0).OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new PositionView(new Symbol(kv.Key), new Amount(kv.Value.NetQuantityUnits), AsPosition(kv.Key, kv.Value).AverageEntryPrice))]).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<BalanceView>> GetBalancesAsync(CancellationToken cancellationToken) =>
        WithStateAsync<IReadOnlyList<BalanceView>>(() => [new BalanceView(Usdt, new Amount(_state.WalletUnits), new Amount(_state.WalletUnits))]);

    /// <inheritdoc />
    public async Task<IReadOnlyList<FundingPayment>> GetFundingPaymentsAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await SlowReadAsync(cancellationToken).ConfigureAwait(false);
        return await WithStateAsync<IReadOnlyList<FundingPayment>>(() =>
            [.. _book.FundingSince(since).Select(ToPayment)]).ConfigureAwait(false);
    }

    /// <summary>
    /// The exchange's whole record as an auditor sees it, with no fault and no delay: every order and trade (visible yet
    /// or not) as the account's owner would read them, every funding payment, and per symbol the net position and the
    /// lowest and highest it has been. For simulations that check the ledger against the exchange.
    /// </summary>
    internal PaperRecord Record()
    {
        _gate.Wait();
        try
        {
            try
            {
                var state = _book.Begin();
                var (orders, trades, funding) = _book.Everything();
                var byId = orders.ToDictionary(o => o.OrderId);
                return new(
                    [.. orders.Select(ToState)],
                    [.. trades.Select(t => ToTrade(t, byId[t.OrderId]))],
                    [.. funding.Select(ToPayment)],
                    state.Symbols.ToDictionary(kv => kv.Key, kv => (kv.Value.NetQuantityUnits, kv.Value.LowestNetQuantityUnits, kv.Value.HighestNetQuantityUnits), StringComparer.Ordinal));
            }
            finally
            {
                _book.Abandon();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _book.Dispose();
        _gate.Dispose();
    }

    private void EnsureSymbols()
    {
        foreach (var symbol in _symbols.Where(s => !_state.Symbols.ContainsKey(s)))
        {
            _state.Symbols[symbol] = NewSymbol(symbol);
        }
    }

    private void AddForeignOrders()
    {
        if (_options.Faults.ForeignOpenOrders && _symbols.Length > 0 && !_book.AnyClientIdStartingWith("web_"))
        {
            // Someone else's conditional orders, far from the market: they rest and never trigger.
            var symbol = _symbols[0];
            var mark = _state.Symbols[symbol].MarkUnits;
            var tick = Instruments[symbol].Rules.TickSize.Units;
            foreach (var (type, side, stop, price) in new (string, string, long, long?)[]
            {
                ("STOP_MARKET", "BUY", mark * 3, null),
                ("TAKE_PROFIT", "SELL", mark * 3, mark * 3),
                ("TRAILING_STOP_MARKET", "SELL", mark / 3, null),
            })
            {
                _book.Add(new PaperOrder
                {
                    OrderId = _state.NextOrderId,
                    ClientOrderId = $"web_{type.ToLowerInvariant().Replace('_', '-')}{_state.NextOrderId++}",
                    Symbol = symbol,
                    Side = side,
                    Type = type,
                    QuantityUnits = Instruments[symbol].Rules.StepSize.Units,
                    PriceUnits = price is { } p ? p - (p % tick) : null,
                    StopPriceUnits = stop - (stop % tick),
                    UpdatedAt = SimulatedNow,
                });
            }
        }
    }

    private static InstrumentRules Rules(string symbol, string baseAsset, string tick, string step, string min, string minNotional) =>
        new(new Symbol(symbol), new Asset(baseAsset), Usdt, Price.Parse(tick), Quantity.Parse(step), Quantity.Parse(min)) { MinNotional = Amount.Parse(minNotional) };

    private InstrumentRules RulesOf(Symbol symbol) =>
        _symbols.Contains(symbol.Value) && Instruments.TryGetValue(symbol.Value, out var instrument)
            ? instrument.Rules
            : throw new SymbolNotListedException($"the paper exchange does not list {symbol} (it trades {string.Join(", ", _symbols)})");

    private PaperSymbolState SymbolState(Symbol symbol)
    {
        RulesOf(symbol);
        return _state.Symbols[symbol.Value];
    }

    // What Binance would refuse, with its code: off step or tick, under a minimum, or a reduce-only order that would not reduce.
    private static string? Refusal(OrderRequest request, InstrumentRules rules, PaperSymbolState s)
    {
        var market = request.Type == OrderType.Market;
        var step = market ? rules.MarketStepSize : rules.StepSize;
        if (request.Quantity.Units % step.Units != 0)
        {
            return $"-1111 Precision is over the maximum defined for this asset: quantity {request.Quantity} is not a multiple of the step {step} of {request.Symbol}";
        }

        if (request.Quantity < (market ? rules.MarketMinQuantity : rules.MinQuantity))
        {
            return $"-4004 Quantity less than min quantity: {request.Quantity} of {request.Symbol}";
        }

        if (request.LimitPrice is { } limit && limit.Units % rules.TickSize.Units != 0)
        {
            return $"-4014 Price not increased by tick size: {limit} of {request.Symbol}";
        }

        var notional = (request.LimitPrice ?? new Price(s.MarkUnits)).NotionalOf(request.Quantity);
        if (!request.ReduceOnly && notional < rules.MinNotional)
        {
            return $"-4164 Order's notional must be no smaller than {rules.MinNotional} (unless you choose reduce only): {notional}";
        }

        var reduces = request.Side == Side.Buy
            ? s.NetQuantityUnits < 0 && request.Quantity.Units <= -s.NetQuantityUnits
            : s.NetQuantityUnits > 0 && request.Quantity.Units <= s.NetQuantityUnits;
        return request.ReduceOnly && !reduces
            ? $"-2022 ReduceOnly Order is rejected: {request.Side.ToCode()} {request.Quantity} against a position of {new Amount(s.NetQuantityUnits)} {request.Symbol}"
            : null;
    }

    private bool Visible(PaperOrder order) => order.VisibleAt is not { } at || at <= _time.GetUtcNow();

    private bool Roll(int percent) => percent > 0 && _faults.Next(100) < percent;

    private Task SlowReadAsync(CancellationToken cancellationToken) =>
        _options.Faults.SlowReadMilliseconds > 0
            ? Task.Delay(TimeSpan.FromMilliseconds(_options.Faults.SlowReadMilliseconds), _time, cancellationToken)
            : Task.CompletedTask;

    private bool InMemory => _options.StatePath.Length == 0;

    private async Task<T> WithStateAsync<T>(Func<T> action)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            // Another process (a worker that held the ledger before this one) may have moved the exchange on: every call
            // starts from the stored state.
            try
            {
                _state = _book.Begin();
                EnsureSymbols();
                Advance();
                var result = action();
                _book.Commit(_state);
                return result;
            }
            catch
            {
                _book.Abandon();
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private PaperState NewState(Amount balance)
    {
        var now = _time.GetUtcNow();
        var state = new PaperState { Seed = _options.Seed, RealOrigin = now, VirtualOrigin = now, Speed = _options.Speed, WalletUnits = balance.Units };
        foreach (var (symbol, quantity) in PositionsWithoutTrades(_options))
        {
            var s = NewSymbol(symbol, state);
            s.NetQuantityUnits = quantity.Units;
            s.EntryNotionalUnits = FixedPoint.MultiplyRounded(Math.Abs(quantity.Units), s.MarkUnits);
            s.LowestNetQuantityUnits = Math.Min(0, quantity.Units);
            s.HighestNetQuantityUnits = Math.Max(0, quantity.Units);
            state.Symbols[symbol] = s;
        }

        return state;
    }

    private PaperSymbolState NewSymbol(string symbol, PaperState? state = null)
    {
        state ??= _state;
        var start = Instruments[symbol].Start;
        return new PaperSymbolState
        {
            MarkUnits = start,
            IndexUnits = start,
            FundingRateUnits = FundingRateAt(symbol, 0, state.Seed),
            LastFundingTime = state.VirtualOrigin.ToUnixTimeSeconds() / FundingIntervalSeconds * FundingIntervalSeconds,
        };
    }

    // Brings every symbol up to the simulated now, one minute at a time: prices, funding rate, funding payments, resting
    // orders, and (when enabled) the exchange closing a position itself.
    private void Advance()
    {
        var now = SimulatedNow;
        var target = (now - _state.VirtualOrigin).Ticks / StepLength.Ticks;
        foreach (var symbol in _symbols)
        {
            var s = _state.Symbols[symbol];
            var (start, rules) = Instruments[symbol];
            var resting = s.Step < target
                ? _book.Open(symbol).Where(o => ExecutableTypes.Contains(o.Type)).ToList()
                : [];
            while (s.Step < target)
            {
                s.Step++;
                var at = _state.VirtualOrigin + TimeSpan.FromTicks(checked(StepLength.Ticks * s.Step));
                var noise = Mix(symbol, s.Step, 1);
                var moveBps = (long)(noise % 41) - 20;
                s.MarkUnits = Math.Max(rules.TickSize.Units, NearestTick(s.MarkUnits + (s.MarkUnits / 10_000 * moveBps) + ((start - s.MarkUnits) / ReversionSteps), rules));
                s.IndexUnits = Math.Max(rules.TickSize.Units, RoundToTick(s.MarkUnits - (s.MarkUnits / 100_000 * ((long)(Mix(symbol, s.Step, 2) % 11) - 5)), rules));
                s.FundingRateUnits = FundingRateAt(symbol, s.Step);
                PayFunding(symbol, s, at);
                foreach (var order in resting.Where(o => o.IsOpen))
                {
                    Execute(order, rules, s, at, onPlacement: false);
                }

                if (s.NetQuantityUnits != 0 && _options.Faults.ExchangeClosePercent > 0 && _faults.Next(6000) < _options.Faults.ExchangeClosePercent)
                {
                    CloseByExchange(symbol, s, at);
                }
            }
        }
    }

    // A liquidation (client id "autoclose-…", a LIMIT IOC order at Binance) or an auto-deleverage ("adl_autoclose")
    // closes the whole position at the mark price: an order and a trade the account's owner did not place.
    private void CloseByExchange(string symbol, PaperSymbolState s, DateTimeOffset at)
    {
        var liquidation = _faults.Next(2) == 0;
        var order = new PaperOrder
        {
            OrderId = _state.NextOrderId++,
            ClientOrderId = liquidation ? $"autoclose-{at.ToUnixTimeMilliseconds()}{_state.NextTradeId}" : "adl_autoclose",
            Symbol = symbol,
            Side = s.NetQuantityUnits > 0 ? "SELL" : "BUY",
            Type = liquidation ? "LIMIT" : "MARKET",
            QuantityUnits = Math.Abs(s.NetQuantityUnits),
            PriceUnits = liquidation ? s.MarkUnits : null,
            ReduceOnly = true,
            UpdatedAt = at,
        };
        _book.Add(order);
        Trade(order, s, s.MarkUnits, order.QuantityUnits, TakerFeeRate, at);
    }

    private void PayFunding(string symbol, PaperSymbolState s, DateTimeOffset at)
    {
        var fundingTime = at.ToUnixTimeSeconds() / FundingIntervalSeconds * FundingIntervalSeconds;
        if (fundingTime <= s.LastFundingTime)
        {
            return;
        }

        s.LastFundingTime = fundingTime;
        if (s.NetQuantityUnits == 0)
        {
            return;
        }

        // Longs pay shorts when the rate is positive: payment = -(signed position notional at mark) × rate.
        var notional = FixedPoint.MultiplyRounded(s.NetQuantityUnits, s.MarkUnits);
        var payment = -FixedPoint.MultiplyRounded(notional, s.FundingRateUnits);
        _state.WalletUnits = checked(_state.WalletUnits + payment);
        _book.Add(new PaperFunding
        {
            Id = $"PAPER:FUNDING:{symbol}:{fundingTime}",
            Symbol = symbol,
            AmountUnits = payment,
            Time = DateTimeOffset.FromUnixTimeSeconds(fundingTime),
        });
    }

    private void Execute(PaperOrder order, InstrumentRules rules, PaperSymbolState s, DateTimeOffset at, bool onPlacement)
    {
        var buy = order.Side == "BUY";
        var remaining = order.QuantityUnits - order.FilledUnits;
        if (order.Type == "MARKET")
        {
            var step = rules.MarketStepSize.Units;
            var expires = onPlacement && Roll(_options.Faults.ExpirePercent);
            if (expires)
            {
                // Only part fills within the price protection; the rest expires.
                remaining = remaining / 2 / step * step;
            }

            var parts = 1 + (int)(Mix(order.Symbol, order.OrderId, 3) % (ulong)_options.MaxTradesPerMarketOrder);
            var target = order.FilledUnits + remaining;
            for (var i = 0; i < parts && remaining > 0; i++)
            {
                var part = i == parts - 1 ? remaining : Math.Max(step, remaining / (parts - i) / step * step);
                var price = s.MarkUnits + ((buy ? 1 : -1) * i * rules.TickSize.Units);
                Trade(order, s, Math.Max(rules.TickSize.Units, price), Math.Min(part, remaining), TakerFeeRate, at);
                remaining = target - order.FilledUnits;
            }

            if (expires)
            {
                order.Status = "EXPIRED";
                order.UpdatedAt = at;
            }

            return;
        }

        var limit = order.PriceUnits!.Value;
        var crosses = buy ? s.MarkUnits <= limit : s.MarkUnits >= limit;
        if (crosses)
        {
            Trade(order, s, onPlacement ? s.MarkUnits : limit, remaining, onPlacement ? TakerFeeRate : MakerFeeRate, at);
        }
        else if (onPlacement && order.Type is "IOC" or "FOK")
        {
            order.Status = "EXPIRED";
            order.UpdatedAt = at;
        }
    }

    private void Trade(PaperOrder order, PaperSymbolState s, long priceUnits, long quantityUnits, long feeRate, DateTimeOffset at)
    {
        var side = LedgerCodes.ParseSide(order.Side);
        var price = new Price(priceUnits);
        var quantity = new Quantity(quantityUnits);
        var fee = FixedPoint.MultiplyRounded(price.NotionalOf(quantity).Units, feeRate);
        var trade = new PaperTrade
        {
            TradeId = _state.NextTradeId++,
            OrderId = order.OrderId,
            ClientOrderId = order.ClientOrderId,
            Symbol = order.Symbol,
            Side = order.Side,
            PriceUnits = priceUnits,
            QuantityUnits = quantityUnits,
            FeeUnits = fee,
            Time = at,
        };
        _book.Add(trade);

        var position = AsPosition(order.Symbol, s);
        var realized = position.ApplyFill(side, new Fill(new ExchangeFillId($"paper-{trade.TradeId}"), OrderId.New(), price, quantity, new Money(Usdt, new Amount(fee)), at));
        s.NetQuantityUnits = position.NetQuantity.Units;
        s.EntryNotionalUnits = position.EntryNotional.Units;
        s.RealizedUnits = position.RealizedPnl.Units;
        s.LowestNetQuantityUnits = Math.Min(s.LowestNetQuantityUnits, s.NetQuantityUnits);
        s.HighestNetQuantityUnits = Math.Max(s.HighestNetQuantityUnits, s.NetQuantityUnits);
        _state.WalletUnits = checked(_state.WalletUnits + realized.Units - fee);

        order.FilledUnits += quantityUnits;
        order.Status = order.FilledUnits == order.QuantityUnits ? "FILLED" : "PARTIALLY_FILLED";
        order.UpdatedAt = at;
    }

    private static Position AsPosition(string symbol, PaperSymbolState s) => Position.Rehydrate(
        PaperName, new Symbol(symbol), new Amount(s.NetQuantityUnits), new Amount(s.EntryNotionalUnits), new Amount(s.RealizedUnits),
        Amount.Zero, Amount.Zero, 0, DateTimeOffset.UnixEpoch);

    private long FundingRateAt(string symbol, long step, int? seed = null)
    {
        // A triangle wave between -2 and +6 bps over six simulated hours, with ±0.5 bps noise (1 bps = 10,000 units).
        var phase = (long)(Mix(symbol, 0, 4, seed) % FundingPeriodSteps);
        var position = (step + phase) % FundingPeriodSteps;
        var half = FundingPeriodSteps / 2;
        var wave = position < half ? position : FundingPeriodSteps - position;
        var noise = (long)(Mix(symbol, step, 5, seed) % 10_001) - 5_000;
        return -20_000 + (80_000 * wave / half) + noise;
    }

    private static long RoundToTick(long units, InstrumentRules rules) => units - (units % rules.TickSize.Units);

    // The walk's price to the nearest tick: truncating each step lost half a tick a minute on average, which took SOL from
    // 150 to its last tick in about four simulated months.
    private static long NearestTick(long units, InstrumentRules rules) => RoundToTick(units + (rules.TickSize.Units / 2), rules);

    private ulong Mix(string symbol, long step, int stream, int? seed = null)
    {
        // splitmix64 over (seed, symbol, step, stream): deterministic across runs and machines.
        var x = unchecked((ulong)(seed ?? _state.Seed) * 0x9E3779B97F4A7C15UL);
        foreach (var c in symbol)
        {
            x = unchecked((x ^ c) * 0xBF58476D1CE4E5B9UL);
        }

        x = unchecked(x + ((ulong)step * 0x94D049BB133111EBUL) + (ulong)stream);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        return x ^ (x >> 31);
    }

    // The ledger's nearest type for the exchange's: the *_MARKET kinds are MARKET, the other kinds LIMIT.
    private static OrderType LedgerType(string type) => type switch
    {
        "MARKET" or "LIMIT" or "IOC" or "FOK" => LedgerCodes.ParseOrderType(type),
        _ when type.EndsWith("MARKET", StringComparison.Ordinal) => OrderType.Market,
        _ => OrderType.Limit,
    };

    private static ExchangeOrderState ToState(PaperOrder o)
    {
        var type = LedgerType(o.Type);
        return new ExchangeOrderState(
            o.OrderId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            o.ClientOrderId,
            new Symbol(o.Symbol),
            LedgerCodes.ParseSide(o.Side),
            type,
            new Quantity(o.QuantityUnits),
            type == OrderType.Market ? null : new Price(o.PriceUnits ?? o.StopPriceUnits ?? throw new InvalidDataException($"paper order {o.OrderId} has no price")),
            new Quantity(o.FilledUnits),
            o.Status switch
            {
                "NEW" => OrderStatus.Open,
                "PARTIALLY_FILLED" => OrderStatus.PartiallyFilled,
                "FILLED" => OrderStatus.Filled,
                _ => OrderStatus.Cancelled,
            },
            o.UpdatedAt)
        {
            NativeType = o.Type,
            ReduceOnly = o.ReduceOnly,
        };
    }

    private static FundingPayment ToPayment(PaperFunding f) =>
        new(f.Id, PaperName, new Symbol(f.Symbol), new Money(Usdt, new Amount(f.AmountUnits)), f.Time);

    private static ExchangeTrade ToTrade(PaperTrade t, PaperOrder order) => new(
        new ExchangeFillId($"PAPER:{t.Symbol}:{t.TradeId}"),
        t.OrderId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        t.ClientOrderId,
        new Symbol(t.Symbol),
        LedgerCodes.ParseSide(t.Side),
        new Price(t.PriceUnits),
        new Quantity(t.QuantityUnits),
        new Money(Usdt, new Amount(t.FeeUnits)),
        t.Time)
    {
        OrderKind = order.Type,
        OrderPrice = order.PriceUnits is { } p ? new Price(p) : null,
    };
}

/// <summary>The paper exchange's whole record (<see cref="PaperExchange.Record"/>): net, lowest and highest position per symbol in 1e-8 units.</summary>
internal sealed record PaperRecord(
    IReadOnlyList<ExchangeOrderState> Orders,
    IReadOnlyList<ExchangeTrade> Trades,
    IReadOnlyList<FundingPayment> Funding,
    IReadOnlyDictionary<string, (long Net, long Lowest, long Highest)> Positions);
