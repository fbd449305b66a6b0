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
/// (a seeded random walk), funding rates swing between about -2 and +6 basis points, funding is paid at
/// 00:00, 08:00 and 16:00 simulated UTC, market orders fill in one to three trades with a 4 bps taker fee,
/// limit orders fill when the price crosses them (2 bps maker fee), and a client order id that was already
/// used returns the existing order, never a second one. Quantities and prices off the instrument's step or
/// tick are rounded down to it; a quantity that rounds below the minimum is refused. All times are the
/// simulated clock's, which runs <see cref="PaperExchangeOptions.Speed"/> times faster than real time.
/// The state is saved to <see cref="PaperExchangeOptions.StatePath"/> before every answer.
/// </summary>
public sealed class PaperExchange : IExchange, IDisposable
{
    /// <summary>The paper exchange's name in the ledger.</summary>
    public static readonly ExchangeName PaperName = new("PAPER");

    private static readonly Asset Usdt = new("USDT");
    private static readonly TimeSpan StepLength = TimeSpan.FromMinutes(1);
    private const long FundingIntervalSeconds = 8 * 3600;
    private const long TakerFeeRate = 40_000; // 4 bps in 1e-8
    private const long MakerFeeRate = 20_000; // 2 bps in 1e-8
    private const int FundingPeriodSteps = 6 * 60;

    private static readonly Dictionary<string, (long Start, InstrumentRules Rules)> Instruments = new(StringComparer.Ordinal)
    {
        ["BTCUSDT"] = (6_400_000_000_000, Rules("BTCUSDT", "BTC", "0.1", "0.001", "0.001")),
        ["ETHUSDT"] = (320_000_000_000, Rules("ETHUSDT", "ETH", "0.01", "0.001", "0.001")),
        ["SOLUSDT"] = (15_000_000_000, Rules("SOLUSDT", "SOL", "0.01", "0.01", "0.01")),
        ["BNBUSDT"] = (60_000_000_000, Rules("BNBUSDT", "BNB", "0.01", "0.01", "0.01")),
    };

    private readonly PaperExchangeOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Random _faults;
    private readonly string[] _symbols;
    private PaperState _state;
    private DateTime _stateWrittenAt;

    /// <summary>Opens the paper exchange, continuing from its state file when there is one.</summary>
    public PaperExchange(PaperExchangeOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var balance = Validate(options);
        _options = options;
        _time = time;
        _symbols = [.. options.Symbols];
        _faults = new Random(options.Seed + 1);
        _state = PaperStateFile.Load(options.StatePath) ?? NewState(balance);
        _stateWrittenAt = File.Exists(options.StatePath) ? File.GetLastWriteTimeUtc(options.StatePath) : default;
        EnsureSymbols();
    }

    /// <inheritdoc />
    public ExchangeName Name => PaperName;

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

        foreach (var (name, percent) in new[]
        {
            ("AnswerLostPercent", options.Faults.AnswerLostPercent), ("UnknownPercent", options.Faults.UnknownPercent),
            ("RateLimitPercent", options.Faults.RateLimitPercent), ("DuplicateTradesPercent", options.Faults.DuplicateTradesPercent),
            ("OutOfOrderTradesPercent", options.Faults.OutOfOrderTradesPercent),
        })
        {
            if (percent is < 0 or > 100)
            {
                throw new ArgumentException($"Exchange:Paper:Faults:{name} is {percent}; expected 0 to 100", nameof(options));
            }
        }

        return balance;
    }

    /// <summary>The simulated time now.</summary>
    public DateTimeOffset SimulatedNow => _state.VirtualOrigin + ((_time.GetUtcNow() - _state.RealOrigin) * _options.Speed);

    /// <inheritdoc />
    public Task<InstrumentRules> GetInstrumentAsync(Symbol symbol, CancellationToken cancellationToken) =>
        Task.FromResult(RulesOf(symbol));

    /// <inheritdoc />
    public Task<FundingQuote> GetFundingQuoteAsync(Symbol symbol, CancellationToken cancellationToken) =>
        WithStateAsync(() =>
        {
            var s = SymbolState(symbol);
            var now = SimulatedNow;
            var next = DateTimeOffset.FromUnixTimeSeconds(((now.ToUnixTimeSeconds() / FundingIntervalSeconds) + 1) * FundingIntervalSeconds);
            return new FundingQuote(symbol, new FundingRate(s.FundingRateUnits), new Price(s.MarkUnits), new Price(s.IndexUnits), next, now);
        });

    /// <inheritdoc />
    public Task<PlaceOrderResult> PlaceOrderAsync(OrderRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WithStateAsync<PlaceOrderResult>(() =>
        {
            var rules = RulesOf(request.Symbol);
            var existing = _state.Orders.FirstOrDefault(o => o.ClientOrderId == request.ClientOrderId.Value);
            if (existing is not null)
            {
                return new PlaceOrderResult.Accepted(ToState(existing)); // Binance -4116: the order exists
            }

            if (Roll(_options.Faults.RateLimitPercent))
            {
                return new PlaceOrderResult.Rejected("429 Too Many Requests: the request was not processed");
            }

            var unknown = Roll(_options.Faults.UnknownPercent);
            if (unknown && _faults.Next(2) == 0)
            {
                return new PlaceOrderResult.Unknown("503 Unknown error, please check your request or try again later.");
            }

            var quantity = request.Quantity.RoundDownTo(rules.StepSize);
            if (quantity < rules.MinQuantity || quantity.IsZero)
            {
                return new PlaceOrderResult.Rejected($"quantity {request.Quantity} rounds down to {quantity}, below the minimum {rules.MinQuantity} for {request.Symbol}");
            }

            var price = request.LimitPrice?.RoundDownTo(rules.TickSize);
            var order = new PaperOrder
            {
                OrderId = _state.NextOrderId++,
                ClientOrderId = request.ClientOrderId.Value,
                Symbol = request.Symbol.Value,
                Side = request.Side.ToCode(),
                Type = request.Type.ToCode(),
                QuantityUnits = quantity.Units,
                PriceUnits = price?.Units,
                UpdatedAt = SimulatedNow,
            };
            _state.Orders.Add(order);
            Execute(order, rules, SymbolState(request.Symbol), SimulatedNow, onPlacement: true);

            if (unknown || Roll(_options.Faults.AnswerLostPercent))
            {
                return new PlaceOrderResult.Unknown(unknown ? "503 Unknown error" : "connection lost after the request was sent");
            }

            return new PlaceOrderResult.Accepted(ToState(order));
        });
    }

    /// <inheritdoc />
    public Task<OrderLookupResult> GetOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) =>
        WithStateAsync<OrderLookupResult>(() =>
        {
            var order = _state.Orders.FirstOrDefault(o => o.Symbol == symbol.Value && o.ClientOrderId == clientOrderId.Value);
            return order is null ? new OrderLookupResult.NotFound() : new OrderLookupResult.Found(ToState(order));
        });

    /// <inheritdoc />
    public Task<CancelOrderResult> CancelOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) =>
        WithStateAsync<CancelOrderResult>(() =>
        {
            var order = _state.Orders.FirstOrDefault(o => o.Symbol == symbol.Value && o.ClientOrderId == clientOrderId.Value);
            if (order is null)
            {
                return new CancelOrderResult.NotFound();
            }

            if (order.Status is "NEW" or "PARTIALLY_FILLED")
            {
                order.Status = "CANCELED";
                order.UpdatedAt = SimulatedNow;
            }

            return new CancelOrderResult.Done(ToState(order));
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<ExchangeOrderState>> GetOpenOrdersAsync(Symbol? symbol, CancellationToken cancellationToken) =>
        WithStateAsync<IReadOnlyList<ExchangeOrderState>>(() =>
            [.. _state.Orders.Where(o => o.Status is "NEW" or "PARTIALLY_FILLED" && (symbol is null || o.Symbol == symbol.Value.Value)).Select(ToState)]);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExchangeTrade>> GetTradesAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken) =>
        WithStateAsync<IReadOnlyList<ExchangeTrade>>(() =>
        {
            var trades = _state.Trades.Where(t => t.Symbol == symbol.Value && t.Time >= since).Select(ToTrade).ToList();
            if (trades.Count > 1 && Roll(_options.Faults.DuplicateTradesPercent))
            {
                trades.AddRange(trades.Take(1 + _faults.Next(trades.Count)));
            }

            if (trades.Count > 1 && Roll(_options.Faults.OutOfOrderTradesPercent))
            {
                trades = [.. trades.OrderBy(_ => _faults.Next())];
            }

            return trades;
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<PositionView>> GetPositionsAsync(CancellationToken cancellationToken) =>
        WithStateAsync<IReadOnlyList<PositionView>>(() =>
            [.. _state.Symbols.Where(kv => kv.Value.NetQuantityUnits != 0).OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new PositionView(new Symbol(kv.Key), new Amount(kv.Value.NetQuantityUnits), AsPosition(kv.Key, kv.Value).AverageEntryPrice))]);

    /// <inheritdoc />
    public Task<IReadOnlyList<BalanceView>> GetBalancesAsync(CancellationToken cancellationToken) =>
        WithStateAsync<IReadOnlyList<BalanceView>>(() => [new BalanceView(Usdt, new Amount(_state.WalletUnits), new Amount(_state.WalletUnits))]);

    /// <inheritdoc />
    public Task<IReadOnlyList<FundingPayment>> GetFundingPaymentsAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        WithStateAsync<IReadOnlyList<FundingPayment>>(() =>
            [.. _state.Funding.Where(f => f.Time >= since).OrderBy(f => f.Time)
                .Select(f => new FundingPayment(f.Id, PaperName, new Symbol(f.Symbol), new Money(Usdt, new Amount(f.AmountUnits)), f.Time))]);

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private void EnsureSymbols()
    {
        foreach (var symbol in _symbols.Where(s => !_state.Symbols.ContainsKey(s)))
        {
            _state.Symbols[symbol] = NewSymbol(symbol);
        }
    }

    private static InstrumentRules Rules(string symbol, string baseAsset, string tick, string step, string min) =>
        new(new Symbol(symbol), new Asset(baseAsset), Usdt, Price.Parse(tick), Quantity.Parse(step), Quantity.Parse(min));

    private InstrumentRules RulesOf(Symbol symbol) =>
        _symbols.Contains(symbol.Value) && Instruments.TryGetValue(symbol.Value, out var instrument)
            ? instrument.Rules
            : throw new ExchangeException($"the paper exchange does not trade {symbol}");

    private PaperSymbolState SymbolState(Symbol symbol)
    {
        RulesOf(symbol);
        return _state.Symbols[symbol.Value];
    }

    private bool Roll(int percent) => percent > 0 && _faults.Next(100) < percent;

    private async Task<T> WithStateAsync<T>(Func<T> action)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            // Another process (a worker that held the ledger before this one) may have moved the exchange on.
            if (File.Exists(_options.StatePath) && File.GetLastWriteTimeUtc(_options.StatePath) != _stateWrittenAt)
            {
                _state = PaperStateFile.Load(_options.StatePath) ?? _state;
                EnsureSymbols();
            }

            Advance();
            var result = action();
            PaperStateFile.Save(_options.StatePath, _state);
            _stateWrittenAt = File.GetLastWriteTimeUtc(_options.StatePath);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private PaperState NewState(Amount balance)
    {
        var now = _time.GetUtcNow();
        return new PaperState { Seed = _options.Seed, RealOrigin = now, VirtualOrigin = now, WalletUnits = balance.Units };
    }

    private PaperSymbolState NewSymbol(string symbol)
    {
        var start = Instruments[symbol].Start;
        return new PaperSymbolState
        {
            MarkUnits = start,
            IndexUnits = start,
            FundingRateUnits = FundingRateAt(symbol, 0),
            LastFundingTime = _state.VirtualOrigin.ToUnixTimeSeconds() / FundingIntervalSeconds * FundingIntervalSeconds,
        };
    }

    // Brings every symbol up to the simulated now, one minute at a time: prices, funding rate, funding payments, resting orders.
    private void Advance()
    {
        var now = SimulatedNow;
        var target = (long)((now - _state.VirtualOrigin) / StepLength);
        foreach (var symbol in _symbols)
        {
            var s = _state.Symbols[symbol];
            var rules = Instruments[symbol].Rules;
            var resting = s.Step < target
                ? _state.Orders.Where(o => o.Symbol == symbol && o.Status is "NEW" or "PARTIALLY_FILLED").ToList()
                : [];
            while (s.Step < target)
            {
                s.Step++;
                var at = _state.VirtualOrigin + (StepLength * s.Step);
                var noise = Mix(symbol, s.Step, 1);
                var moveBps = (long)(noise % 41) - 20;
                s.MarkUnits = Math.Max(rules.TickSize.Units, RoundToTick(s.MarkUnits + (s.MarkUnits / 10_000 * moveBps), rules));
                s.IndexUnits = Math.Max(rules.TickSize.Units, RoundToTick(s.MarkUnits - (s.MarkUnits / 100_000 * ((long)(Mix(symbol, s.Step, 2) % 11) - 5)), rules));
                s.FundingRateUnits = FundingRateAt(symbol, s.Step);
                PayFunding(symbol, s, at);
                foreach (var order in resting.Where(o => o.Status is "NEW" or "PARTIALLY_FILLED"))
                {
                    Execute(order, rules, s, at, onPlacement: false);
                }
            }
        }
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
        _state.Funding.Add(new PaperFunding
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
            var parts = 1 + (int)(Mix(order.Symbol, order.OrderId, 3) % 3);
            var step = rules.StepSize.Units;
            for (var i = 0; i < parts && remaining > 0; i++)
            {
                var part = i == parts - 1 ? remaining : Math.Max(step, remaining / (parts - i) / step * step);
                var price = s.MarkUnits + ((buy ? 1 : -1) * i * rules.TickSize.Units);
                Trade(order, s, Math.Max(rules.TickSize.Units, price), Math.Min(part, remaining), TakerFeeRate, at);
                remaining = order.QuantityUnits - order.FilledUnits;
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
        _state.Trades.Add(trade);

        var position = AsPosition(order.Symbol, s);
        var realized = position.ApplyFill(side, new Fill(new ExchangeFillId($"paper-{trade.TradeId}"), OrderId.New(), price, quantity, new Money(Usdt, new Amount(fee)), at));
        s.NetQuantityUnits = position.NetQuantity.Units;
        s.EntryNotionalUnits = position.EntryNotional.Units;
        s.RealizedUnits = position.RealizedPnl.Units;
        _state.WalletUnits = checked(_state.WalletUnits + realized.Units - fee);

        order.FilledUnits += quantityUnits;
        order.Status = order.FilledUnits == order.QuantityUnits ? "FILLED" : "PARTIALLY_FILLED";
        order.UpdatedAt = at;
    }

    private static Position AsPosition(string symbol, PaperSymbolState s) => Position.Rehydrate(
        PaperName, new Symbol(symbol), new Amount(s.NetQuantityUnits), new Amount(s.EntryNotionalUnits), new Amount(s.RealizedUnits),
        Amount.Zero, Amount.Zero, 0, DateTimeOffset.UnixEpoch);

    private long FundingRateAt(string symbol, long step)
    {
        // A triangle wave between -2 and +6 bps over six simulated hours, with ±0.5 bps noise (1 bps = 10,000 units).
        var phase = (long)(Mix(symbol, 0, 4) % FundingPeriodSteps);
        var position = (step + phase) % FundingPeriodSteps;
        var half = FundingPeriodSteps / 2;
        var wave = position < half ? position : FundingPeriodSteps - position;
        var noise = (long)(Mix(symbol, step, 5) % 10_001) - 5_000;
        return -20_000 + (80_000 * wave / half) + noise;
    }

    private static long RoundToTick(long units, InstrumentRules rules) => units - (units % rules.TickSize.Units);

    private ulong Mix(string symbol, long step, int stream)
    {
        // splitmix64 over (seed, symbol, step, stream): deterministic across runs and machines.
        var x = unchecked((ulong)_state.Seed * 0x9E3779B97F4A7C15UL);
        foreach (var c in symbol)
        {
            x = unchecked((x ^ c) * 0xBF58476D1CE4E5B9UL);
        }

        x = unchecked(x + ((ulong)step * 0x94D049BB133111EBUL) + (ulong)stream);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        return x ^ (x >> 31);
    }

    private static ExchangeOrderState ToState(PaperOrder o) => new(
        o.OrderId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        o.ClientOrderId,
        new Symbol(o.Symbol),
        LedgerCodes.ParseSide(o.Side),
        LedgerCodes.ParseOrderType(o.Type),
        new Quantity(o.QuantityUnits),
        o.PriceUnits is { } p ? new Price(p) : null,
        new Quantity(o.FilledUnits),
        o.Status switch
        {
            "NEW" => OrderStatus.Open,
            "PARTIALLY_FILLED" => OrderStatus.PartiallyFilled,
            "FILLED" => OrderStatus.Filled,
            _ => OrderStatus.Cancelled,
        },
        o.UpdatedAt);

    private static ExchangeTrade ToTrade(PaperTrade t) => new(
        new ExchangeFillId($"PAPER:{t.Symbol}:{t.TradeId}"),
        t.OrderId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        t.ClientOrderId,
        new Symbol(t.Symbol),
        LedgerCodes.ParseSide(t.Side),
        new Price(t.PriceUnits),
        new Quantity(t.QuantityUnits),
        new Money(Usdt, new Amount(t.FeeUnits)),
        t.Time);
}
