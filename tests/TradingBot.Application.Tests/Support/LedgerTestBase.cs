using Moq;
using TradingBot.Application.Funding;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Queries;
using TradingBot.Application.Reconciliation;
using TradingBot.Application.Telemetry;
using TradingBot.Application.Tests.Fakes;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.TestLedger;

namespace TradingBot.Application.Tests.Support;

/// <summary>
/// What every use-case test needs: a fresh transactional in-memory ledger, a fixed clock, a mocked PAPER
/// exchange, the use cases wired to them, and builders for orders, fills, trades and exchange states.
/// </summary>
public abstract class LedgerTestBase
{
    protected static readonly ExchangeName Paper = new("PAPER");
    protected static readonly Symbol BtcUsdt = new("BTCUSDT");
    protected static readonly Asset Usdt = new("USDT");

    /// <summary>The clock's time when a test starts; also the decision slot of the intents.</summary>
    protected static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    protected InMemoryLedger Ledger { get; private set; } = null!;

    protected FixedClock Clock { get; private set; } = null!;

    protected Mock<IExchange> Exchange { get; private set; } = null!;

    /// <summary>The worker's ledger lease; held unless a test takes it away.</summary>
    protected TestLease Lease { get; private set; } = null!;

    /// <summary>The send deadline and visibility margin the use cases judge PENDING orders by.</summary>
    protected OrderTiming Timing { get; set; } = OrderTiming.Default;

    /// <summary>How far the exchange's clock is ahead of this host's (negative: behind); zero unless a test moves it.</summary>
    protected TimeSpan ExchangeClockAhead { get; set; }

    /// <summary>This test's instruments (a meter of its own, read with <see cref="MeterRecorder"/>).</summary>
    protected TradingBotMetrics Metrics { get; private set; } = null!;

    /// <summary>Rules that take any quantity and price the tests use (1e-8 steps, no minimum notional).</summary>
    protected static InstrumentRules AnyRules(Symbol symbol) =>
        new(symbol, new Asset("BTC"), new Asset("USDT"), new Price(1), new Quantity(1), new Quantity(1));

    [SetUp]
    public void CreateLedgerClockAndExchange()
    {
        Ledger = new InMemoryLedger();
        Clock = new FixedClock(Start);
        Metrics = new TradingBotMetrics(clock: Clock);
        Lease = new TestLease();
        Timing = OrderTiming.Default;
        Exchange = new Mock<IExchange>();
        Exchange.Setup(e => e.Name).Returns(new ExchangeName("PAPER"));
        Exchange.Setup(e => e.RequestValidity).Returns(TimeSpan.FromSeconds(5));
        ExchangeClockAhead = TimeSpan.Zero;
        Exchange
            .Setup(e => e.ExchangeTimeAtAsync(It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((DateTimeOffset hostTime, CancellationToken _) => hostTime + ExchangeClockAhead);
        Exchange
            .Setup(e => e.GetTradesAsync(It.IsAny<Symbol>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Array.Empty<ExchangeTrade>());
        Exchange
            .Setup(e => e.GetInstrumentAsync(It.IsAny<Symbol>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Symbol symbol, CancellationToken _) => AnyRules(symbol));
    }

    [TearDown]
    public async Task DisposeLedgerAsync()
    {
        Ledger.Dispose();
        Metrics.Dispose();
        await Lease.DisposeAsync();
    }

    protected RecordFill NewRecordFill() => new(Ledger, Clock, Metrics);

    protected IngestTrades NewIngestTrades() => new(Ledger, Exchange.Object, NewRecordFill(), Clock);

    protected PlaceOrder NewPlaceOrder() => new(Ledger, Exchange.Object, Clock, NewIngestTrades(), Lease, Timing, Metrics);

    protected ResolvePendingOrders NewResolvePendingOrders() => new(Ledger, Exchange.Object, Clock, Timing, Metrics);

    protected RecordFundingPayment NewRecordFundingPayment() => new(Ledger, Clock, Metrics);

    protected RecordFundingSnapshot NewRecordFundingSnapshot() => new(Ledger);

    protected Reconcile NewReconcile() => new(Ledger, Exchange.Object, Clock, NewIngestTrades(), Timing, Metrics);

    protected LedgerQueries NewQueries() => new(Ledger);

    protected static TradingIntent Intent(string leg = "open") => new("basis-carry", Paper, BtcUsdt, Start, leg);

    protected static PlaceOrderCommand BuyLimit(TradingIntent intent, string quantity = "0.5", string price = "64000") =>
        new(intent, Side.Buy, OrderType.Limit, Quantity.Parse(quantity), Price.Parse(price), "funding rate above threshold");

    protected static PlaceOrderCommand BuyMarket(TradingIntent intent, string quantity) =>
        new(intent, Side.Buy, OrderType.Market, Quantity.Parse(quantity), null, "funding rate above threshold");

    /// <summary>The exchange's view of an order placed under <paramref name="clientOrderId"/>.</summary>
    protected static ExchangeOrderState AtExchange(
        string clientOrderId,
        string exchangeOrderId,
        OrderStatus status,
        string quantity = "0.5",
        string filled = "0",
        Side side = Side.Buy,
        string? limitPrice = "64000") =>
        new(
            exchangeOrderId,
            clientOrderId,
            BtcUsdt,
            side,
            limitPrice is null ? OrderType.Market : OrderType.Limit,
            Quantity.Parse(quantity),
            limitPrice is null ? null : Price.Parse(limitPrice),
            Quantity.Parse(filled),
            status,
            Start);

    /// <summary>Writes a PENDING LIMIT order straight into the ledger, as a process that crashed after the intent would have.</summary>
    protected Order SeedPending(string leg, DateTimeOffset createdAt, Side side = Side.Buy, string quantity = "1")
    {
        var order = Order.CreatePending(
            OrderId.New(), Paper, BtcUsdt, side, OrderType.Limit, Quantity.Parse(quantity), Price.Parse("64000"),
            IdempotencyKey.For(Intent(leg)), createdAt);
        Ledger.Seed(order);
        return order;
    }

    /// <summary>Writes an OPEN LIMIT order with its exchange id (as the exchange reports it) straight into the ledger.</summary>
    protected Order SeedOpen(string leg, string exchangeOrderId, Side side = Side.Buy, string quantity = "1", DateTimeOffset? createdAt = null)
    {
        var at = createdAt ?? Start;
        var order = Order.Rehydrate(
            OrderId.New(), Paper, BtcUsdt, side, OrderType.Limit, Quantity.Parse(quantity), Price.Parse("64000"),
            IdempotencyKey.For(Intent(leg)), OrderStatus.Open, ExchangeOrderIds.Qualify(Paper, BtcUsdt, exchangeOrderId), Quantity.Zero, at, at);
        Ledger.Seed(order);
        return order;
    }

    protected static Fill FillOf(Order order, string exchangeFillId, string price, string quantity, DateTimeOffset at, string usdtFee = "0") =>
        new(new ExchangeFillId(exchangeFillId), order.Id, Price.Parse(price), Quantity.Parse(quantity), Money.Parse(usdtFee, Usdt), at);

    protected static ExchangeTrade Trade(
        string exchangeFillId,
        string exchangeOrderId,
        string? clientOrderId,
        Side side,
        string price,
        string quantity,
        DateTimeOffset at,
        string usdtFee = "0") =>
        new(new ExchangeFillId(exchangeFillId), exchangeOrderId, clientOrderId, BtcUsdt, side, Price.Parse(price), Quantity.Parse(quantity), Money.Parse(usdtFee, Usdt), at);

    protected void ExchangeReportsTrades(params ExchangeTrade[] trades) =>
        Exchange
            .Setup(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(trades);

    /// <summary>The order as the ledger holds it now.</summary>
    protected Order StoredOrder(OrderId id) => Ledger.Orders.Single(o => o.Id == id);

    /// <summary>The BTCUSDT position on PAPER as the ledger holds it now, or null.</summary>
    protected Position? StoredPosition() => Ledger.Positions.SingleOrDefault(p => p.Exchange == Paper && p.Symbol == BtcUsdt);

    protected IReadOnlyList<AuditEvent> AuditOf(AuditEventType type) => [.. Ledger.AuditEvents.Where(e => e.Type == type)];
}

/// <summary>A ledger lease a test holds or loses at will; counts how often it was confirmed.</summary>
public sealed class TestLease : ILedgerLease
{
    public bool Held { get; set; } = true;

    public int Confirmations { get; private set; }

    public Task<bool> TryAcquireAsync(CancellationToken cancellationToken) => Task.FromResult(Held);

    public Task<bool> IsHeldAsync(CancellationToken cancellationToken)
    {
        Confirmations++;
        return Task.FromResult(Held);
    }

    public Task ReleaseAsync()
    {
        Held = false;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
