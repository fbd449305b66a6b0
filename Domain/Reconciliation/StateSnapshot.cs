using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Time;

namespace TradingBot.Domain.Reconciliation;

/// <summary>A balance as the exchange reports it.</summary>
/// <param name="Asset">The asset.</param>
/// <param name="Wallet">The wallet balance.</param>
/// <param name="Available">What is available for new orders.</param>
public sealed record BalanceView(Asset Asset, Amount Wallet, Amount Available);

/// <summary>A position as the exchange (or the ledger) reports it.</summary>
/// <param name="Symbol">The perpetual.</param>
/// <param name="NetQuantity">Signed base quantity.</param>
/// <param name="EntryPrice">Average entry price; null when flat.</param>
public sealed record PositionView(Symbol Symbol, Amount NetQuantity, Price? EntryPrice);

/// <summary>An order that is live at the exchange.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="ClientOrderId">The client order id (the ledger's idempotency key when the ledger placed it).</param>
/// <param name="ExchangeOrderId">The exchange's id.</param>
/// <param name="Side">BUY or SELL.</param>
/// <param name="Type">The order type.</param>
/// <param name="Quantity">The ordered quantity.</param>
/// <param name="LimitPrice">The limit price; null for market orders.</param>
/// <param name="FilledQuantity">How much has filled.</param>
/// <param name="Status">Its status in the ledger's terms.</param>
public sealed record OpenOrderView(
    Symbol Symbol,
    string ClientOrderId,
    string ExchangeOrderId,
    Side Side,
    OrderType Type,
    Quantity Quantity,
    Price? LimitPrice,
    Quantity FilledQuantity,
    OrderStatus Status)
{
    /// <summary>The exchange's own name of the order's type (STOP_MARKET, TAKE_PROFIT...); <see cref="Type"/> is its nearest ledger type.</summary>
    public string NativeType { get; init; } = Type.ToCode();

    /// <summary>True for a reduce-only order.</summary>
    public bool ReduceOnly { get; init; }
}

/// <summary>The full state seen at a reconciliation: balances, positions and open orders.</summary>
public sealed record StateSnapshot
{
    /// <summary>Creates a snapshot; the time is normalised to UTC microseconds.</summary>
    public StateSnapshot(
        Guid id,
        ExchangeName exchange,
        DateTimeOffset reconciledAt,
        IReadOnlyList<BalanceView> balances,
        IReadOnlyList<PositionView> positions,
        IReadOnlyList<OpenOrderView> openOrders)
    {
        if (id == Guid.Empty)
        {
            throw new ArgumentException("a state snapshot id cannot be empty", nameof(id));
        }

        Id = id;
        Exchange = exchange;
        ReconciledAt = LedgerTime.Normalize(reconciledAt);
        Balances = balances ?? throw new ArgumentNullException(nameof(balances));
        Positions = positions ?? throw new ArgumentNullException(nameof(positions));
        OpenOrders = openOrders ?? throw new ArgumentNullException(nameof(openOrders));
    }

    /// <summary>The snapshot's id.</summary>
    public Guid Id { get; }

    /// <summary>The exchange reconciled with.</summary>
    public ExchangeName Exchange { get; }

    /// <summary>When the state was reconciled (UTC).</summary>
    public DateTimeOffset ReconciledAt { get; }

    /// <summary>Balances at the exchange.</summary>
    public IReadOnlyList<BalanceView> Balances { get; }

    /// <summary>Positions at the exchange.</summary>
    public IReadOnlyList<PositionView> Positions { get; }

    /// <summary>Open orders at the exchange.</summary>
    public IReadOnlyList<OpenOrderView> OpenOrders { get; }
}
