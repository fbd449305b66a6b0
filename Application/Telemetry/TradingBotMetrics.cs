using System.Diagnostics;
using System.Diagnostics.Metrics;
using TradingBot.Application.Ports;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Telemetry;

/// <summary>
/// The ledger's instruments, on a meter named <see cref="Name"/> (read them with <c>dotnet-counters monitor -n TradingBot.Host.Worker
/// --counters TradingBot</c>, or export them with OpenTelemetry), and the activities of <see cref="ActivitySource"/>.
/// One instance per service provider: with an <see cref="IMeterFactory"/> registered the meter comes from it.
/// </summary>
public sealed class TradingBotMetrics : IDisposable
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "TradingBot";

    // Made only when a use case is built without one: a second meter named TradingBot beside a host's would be merged
    // with it by an exporter, its gauges reporting zeros.
    private static readonly Lazy<TradingBotMetrics> SharedInstance = new(() => new TradingBotMetrics());

    /// <summary>A shared instance for use cases built without DI (made at first use only).</summary>
    public static TradingBotMetrics Shared => SharedInstance.Value;

    /// <summary>The activities: a trading cycle, an order placed, a reconciliation.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    private readonly IClock? _clock;
    private readonly Counter<long> _ordersPlaced;
    private readonly Counter<long> _ordersRejected;
    private readonly Counter<long> _ordersUnknown;
    private readonly Counter<long> _fillsRecorded;
    private readonly Counter<long> _fundingPayments;
    private readonly Counter<long> _reconcileDifferences;
    private readonly Counter<long> _exchangeRateLimited;
    private readonly Histogram<long> _cycleDuration;
    private readonly Histogram<long> _exchangeRequestDuration;
    private volatile PendingState _pending = new(0, null);
    private volatile int _halted;
    private volatile int _leaseHeld;

    /// <summary>The instruments, on a meter from <paramref name="meterFactory"/> when given; <paramref name="clock"/> ages the oldest PENDING order.</summary>
    public TradingBotMetrics(IMeterFactory? meterFactory = null, IClock? clock = null)
    {
        _clock = clock;
        Meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _ordersPlaced = Meter.CreateCounter<long>("tradingbot.orders.placed", "{order}", "Orders the exchange accepted.");
        _ordersRejected = Meter.CreateCounter<long>("tradingbot.orders.rejected", "{order}", "Orders refused by the exchange, or judged never sent.");
        _ordersUnknown = Meter.CreateCounter<long>("tradingbot.orders.unknown", "{order}", "Orders whose fate the exchange did not answer: left PENDING.");
        _fillsRecorded = Meter.CreateCounter<long>("tradingbot.fills.recorded", "{fill}", "Fills recorded (a duplicate is not counted).");
        _fundingPayments = Meter.CreateCounter<long>("tradingbot.funding.payments", "{payment}", "Funding payments recorded.");
        _reconcileDifferences = Meter.CreateCounter<long>("tradingbot.reconcile.differences", "{difference}", "Differences between the ledger and the exchange found by reconciliations.");
        _exchangeRateLimited = Meter.CreateCounter<long>("tradingbot.exchange.rate_limited", "{response}", "Exchange answers 429 or 418: slow down.");
        _cycleDuration = Meter.CreateHistogram<long>("tradingbot.cycle.duration", "ms", "One trading cycle, from resolving PENDING orders to the last decision.");
        _exchangeRequestDuration = Meter.CreateHistogram<long>("tradingbot.exchange.request.duration", "ms", "One HTTP attempt at the exchange, by endpoint and status.");
        Meter.CreateObservableGauge("tradingbot.orders.pending", () => _pending.Count, "{order}", "PENDING orders: intent written, the exchange's answer not yet known.");
        Meter.CreateObservableGauge("tradingbot.orders.pending.oldest_age", ObserveOldestPendingAge, "s", "Age of the oldest PENDING order; 0 when none.");
        Meter.CreateObservableGauge("tradingbot.lease.held", () => _leaseHeld, "{lease}", "1 while this worker holds the ledger lease (trading), 0 in standby.");
        Meter.CreateObservableGauge("tradingbot.symbols.halted", () => _halted, "{symbol}", "Symbols halted: no new decisions until the cause is gone.");
    }

    /// <summary>The meter every instrument is on.</summary>
    public Meter Meter { get; }

    /// <summary>An order's outcome at the exchange.</summary>
    public void OrderPlaced(Symbol symbol) => _ordersPlaced.Add(1, SymbolTag(symbol));

    /// <summary>An order refused, or judged never sent.</summary>
    public void OrderRejected(Symbol symbol) => _ordersRejected.Add(1, SymbolTag(symbol));

    /// <summary>An order whose answer was lost.</summary>
    public void OrderUnknown(Symbol symbol) => _ordersUnknown.Add(1, SymbolTag(symbol));

    /// <summary>A fill written (external ones included).</summary>
    public void FillRecorded(bool external) => _fillsRecorded.Add(1, new KeyValuePair<string, object?>("tradingbot.external", external));

    /// <summary>A funding payment written.</summary>
    public void FundingPaymentRecorded(Symbol symbol) => _fundingPayments.Add(1, SymbolTag(symbol));

    /// <summary>A reconciliation's differences (none: nothing is added).</summary>
    public void ReconcileDifferences(int count)
    {
        if (count > 0)
        {
            _reconcileDifferences.Add(count);
        }
    }

    /// <summary>A cycle's duration.</summary>
    public void CycleCompleted(TimeSpan duration) => _cycleDuration.Record(Milliseconds(duration));

    /// <summary>One HTTP attempt at the exchange; a 429 or 418 also counts as rate limited.</summary>
    public void ExchangeRequest(string endpoint, int status, TimeSpan duration)
    {
        var tags = new TagList { { "tradingbot.endpoint", endpoint }, { "http.response.status_code", status } };
        _exchangeRequestDuration.Record(Milliseconds(duration), tags);
        if (status is 429 or 418)
        {
            _exchangeRateLimited.Add(1, tags);
        }
    }

    /// <summary>The PENDING orders seen by the latest resolution: how many, and when the oldest was written.</summary>
    public void PendingOrders(int count, DateTimeOffset? oldestCreatedAt) => _pending = new PendingState(count, count == 0 ? null : oldestCreatedAt);

    /// <summary>How many symbols are halted now.</summary>
    public void HaltedSymbols(int count) => _halted = count;

    /// <summary>Whether this worker holds the ledger lease.</summary>
    public void LeaseHeld(bool held) => _leaseHeld = held ? 1 : 0;

    /// <inheritdoc/>
    public void Dispose() => Meter.Dispose();

    private long ObserveOldestPendingAge()
    {
        var pending = _pending;
        if (pending.Oldest is not { } oldest)
        {
            return 0;
        }

        var now = _clock?.UtcNow ?? DateTimeOffset.UtcNow;
        return Math.Max(0, (now - oldest).Ticks / TimeSpan.TicksPerSecond);
    }

    // Whole milliseconds: time is ticks in this codebase, never floating point.
    private static long Milliseconds(TimeSpan duration) => duration.Ticks / TimeSpan.TicksPerMillisecond;

    private static KeyValuePair<string, object?> SymbolTag(Symbol symbol) => new("tradingbot.symbol", symbol.Value);

    private sealed record PendingState(int Count, DateTimeOffset? Oldest);
}
