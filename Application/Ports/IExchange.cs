using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Ports;

/// <summary>An instrument's trading rules (Binance: PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, MIN_NOTIONAL).</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="BaseAsset">The traded asset (BTC).</param>
/// <param name="QuoteAsset">The settlement asset (USDT).</param>
/// <param name="TickSize">Prices are multiples of this.</param>
/// <param name="StepSize">Quantities of limit orders are multiples of this.</param>
/// <param name="MinQuantity">The smallest quantity of a limit order.</param>
public sealed record InstrumentRules(Symbol Symbol, Asset BaseAsset, Asset QuoteAsset, Price TickSize, Quantity StepSize, Quantity MinQuantity)
{
    /// <summary>Quantities of market orders are multiples of this (Binance MARKET_LOT_SIZE); the limit step when the exchange has no other.</summary>
    public Quantity MarketStepSize { get; init; } = StepSize;

    /// <summary>The smallest quantity of a market order.</summary>
    public Quantity MarketMinQuantity { get; init; } = MinQuantity;

    /// <summary>The smallest notional (price × quantity, in the quote asset) of an order that is not reduce-only; zero when none.</summary>
    public Amount MinNotional { get; init; }
}

/// <summary>A perpetual's current funding rate and prices.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Rate">The current (last or predicted) funding rate.</param>
/// <param name="MarkPrice">The mark price.</param>
/// <param name="IndexPrice">The index price.</param>
/// <param name="NextFundingTime">When funding is next paid.</param>
/// <param name="Time">The exchange's time of the quote.</param>
public sealed record FundingQuote(Symbol Symbol, FundingRate Rate, Price MarkPrice, Price IndexPrice, DateTimeOffset NextFundingTime, DateTimeOffset Time);

/// <summary>What the ledger asks the exchange to do; <paramref name="ClientOrderId"/> is the idempotency key.</summary>
/// <param name="ClientOrderId">The ledger's idempotency key, sent as the client order id.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Side">BUY or SELL.</param>
/// <param name="Type">The order type.</param>
/// <param name="Quantity">The quantity.</param>
/// <param name="LimitPrice">The limit price; null for MARKET.</param>
public sealed record OrderRequest(IdempotencyKey ClientOrderId, Symbol Symbol, Side Side, OrderType Type, Quantity Quantity, Price? LimitPrice)
{
    /// <summary>True for an order that may only reduce the position (Binance <c>reduceOnly=true</c>): a close can never open.</summary>
    public bool ReduceOnly { get; init; }

    /// <summary>
    /// The latest moment (this host's clock) at which the request may be signed and sent; past it, the adapter does not
    /// send it and answers <see cref="PlaceOrderResult.Rejected"/> ("not sent"). Null: no deadline.
    /// </summary>
    public DateTimeOffset? SendDeadline { get; init; }
}

/// <summary>An order as the exchange knows it, in the ledger's terms.</summary>
/// <param name="ExchangeOrderId">The exchange's id.</param>
/// <param name="ClientOrderId">The client order id.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Side">BUY or SELL.</param>
/// <param name="Type">The order type.</param>
/// <param name="Quantity">The ordered quantity.</param>
/// <param name="LimitPrice">The limit price; null for MARKET.</param>
/// <param name="FilledQuantity">How much has executed.</param>
/// <param name="Status">OPEN, PARTIALLY_FILLED, FILLED, CANCELLED (also for expired) or REJECTED.</param>
/// <param name="UpdatedAt">When the exchange last changed it.</param>
public sealed record ExchangeOrderState(
    string ExchangeOrderId,
    string ClientOrderId,
    Symbol Symbol,
    Side Side,
    OrderType Type,
    Quantity Quantity,
    Price? LimitPrice,
    Quantity FilledQuantity,
    OrderStatus Status,
    DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// The exchange's own name of the order's type (STOP_MARKET, TAKE_PROFIT, TRAILING_STOP_MARKET...); <see cref="Type"/>
    /// is its nearest ledger type (MARKET for the *_MARKET kinds, LIMIT otherwise).
    /// </summary>
    public string NativeType { get; init; } = Type.ToCode();

    /// <summary>True for a reduce-only order.</summary>
    public bool ReduceOnly { get; init; }
}

/// <summary>One of the account's executions as the exchange reports it.</summary>
/// <param name="ExchangeFillId">An id unique across exchanges and symbols.</param>
/// <param name="ExchangeOrderId">The exchange's order id.</param>
/// <param name="ClientOrderId">The client order id, when the exchange reports it.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Side">BUY or SELL.</param>
/// <param name="Price">The execution price.</param>
/// <param name="Quantity">The executed quantity.</param>
/// <param name="Fee">The fee as charged (any asset; negative is a rebate).</param>
/// <param name="Time">When it executed.</param>
public sealed record ExchangeTrade(
    ExchangeFillId ExchangeFillId,
    string ExchangeOrderId,
    string? ClientOrderId,
    Symbol Symbol,
    Side Side,
    Price Price,
    Quantity Quantity,
    Money Fee,
    DateTimeOffset Time)
{
    /// <summary>The exchange's name of the trade's order type (MARKET, LIMIT, STOP_MARKET...), when the adapter knows it.</summary>
    public string? OrderKind { get; init; }

    /// <summary>The limit price of the trade's order, when it has one and the adapter knows it.</summary>
    public Price? OrderPrice { get; init; }
}

/// <summary>The answer to placing an order. Only <see cref="Rejected"/> means no order exists.</summary>
public abstract record PlaceOrderResult
{
    private PlaceOrderResult()
    {
    }

    /// <summary>The exchange has the order (including when it already had this client order id).</summary>
    /// <param name="State">The order as the exchange reports it.</param>
    public sealed record Accepted(ExchangeOrderState State) : PlaceOrderResult;

    /// <summary>The exchange definitely refused it, or it was never sent: no order exists.</summary>
    /// <param name="Reason">The exchange's reason.</param>
    public sealed record Rejected(string Reason) : PlaceOrderResult
    {
        /// <summary>True when the request never reached the exchange's decision (not sent, rate-limited): nothing was refused.</summary>
        public bool NotSent { get; init; }
    }

    /// <summary>The outcome is not known (timeout, lost connection, 5xx): the order may or may not exist.</summary>
    /// <param name="Reason">What happened.</param>
    public sealed record Unknown(string Reason) : PlaceOrderResult;
}

/// <summary>The answer to looking an order up by its client order id.</summary>
public abstract record OrderLookupResult
{
    private OrderLookupResult()
    {
    }

    /// <summary>The exchange has it.</summary>
    /// <param name="State">Its state.</param>
    public sealed record Found(ExchangeOrderState State) : OrderLookupResult;

    /// <summary>
    /// The exchange shows no order with this client order id now. Right after a lost answer that does not prove it was
    /// never placed (Binance's query service can lag its matching engine): see <c>OrderTiming.NeverPlacedAfter</c>.
    /// </summary>
    public sealed record NotFound : OrderLookupResult;

    /// <summary>The exchange could not answer.</summary>
    /// <param name="Reason">What happened.</param>
    public sealed record Unknown(string Reason) : OrderLookupResult;
}

/// <summary>The answer to cancelling an order.</summary>
public abstract record CancelOrderResult
{
    private CancelOrderResult()
    {
    }

    /// <summary>Cancelled, or already closed; the state says which.</summary>
    /// <param name="State">The order's state after the request.</param>
    public sealed record Done(ExchangeOrderState State) : CancelOrderResult;

    /// <summary>The exchange has no such order.</summary>
    public sealed record NotFound : CancelOrderResult;

    /// <summary>The outcome is not known.</summary>
    /// <param name="Reason">What happened.</param>
    public sealed record Unknown(string Reason) : CancelOrderResult;
}

/// <summary>
/// An exchange, as the ledger needs it. Expected outcomes (a rejection, an unknown outcome, an order
/// that does not exist) are values; an <see cref="ExchangeException"/> means a read could not be answered.
/// </summary>
public interface IExchange
{
    /// <summary>The exchange's name in the ledger.</summary>
    ExchangeName Name { get; }

    /// <summary>
    /// How long after it was sent a request may still be executed (Binance: recvWindow; an exchange that answers at once:
    /// zero). An order sent by its deadline exists, if at all, by the deadline plus this.
    /// </summary>
    TimeSpan RequestValidity { get; }

    /// <summary>Tick size, step size and assets of a symbol.</summary>
    Task<InstrumentRules> GetInstrumentAsync(Symbol symbol, CancellationToken cancellationToken);

    /// <summary>Funding rate, mark and index price.</summary>
    Task<FundingQuote> GetFundingQuoteAsync(Symbol symbol, CancellationToken cancellationToken);

    /// <summary>Places an order under the request's client order id; a second call with the same id never makes a second order.</summary>
    Task<PlaceOrderResult> PlaceOrderAsync(OrderRequest request, CancellationToken cancellationToken);

    /// <summary>Looks an order up by its client order id.</summary>
    Task<OrderLookupResult> GetOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken);

    /// <summary>Cancels an order by its client order id.</summary>
    Task<CancelOrderResult> CancelOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken);

    /// <summary>Live orders, of one symbol or all.</summary>
    Task<IReadOnlyList<ExchangeOrderState>> GetOpenOrdersAsync(Symbol? symbol, CancellationToken cancellationToken);

    /// <summary>The account's trades on <paramref name="symbol"/> at or after <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<ExchangeTrade>> GetTradesAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Non-flat positions.</summary>
    Task<IReadOnlyList<PositionView>> GetPositionsAsync(CancellationToken cancellationToken);

    /// <summary>Balances.</summary>
    Task<IReadOnlyList<BalanceView>> GetBalancesAsync(CancellationToken cancellationToken);

    /// <summary>Funding payments at or after <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<FundingPayment>> GetFundingPaymentsAsync(DateTimeOffset since, CancellationToken cancellationToken);
}

/// <summary>An exchange read could not be answered: unreachable, malformed answer, bad credentials or clock.</summary>
public class ExchangeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExchangeException()
    {
    }

    /// <summary>Creates the exception with a message naming the problem.</summary>
    public ExchangeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ExchangeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The exchange does not list the symbol (Binance: not in exchangeInfo, -1121): a configuration problem, not an outage.</summary>
public class SymbolNotListedException : ExchangeException
{
    /// <summary>Creates the exception.</summary>
    public SymbolNotListedException()
    {
    }

    /// <summary>Creates the exception with a message naming the symbol and the exchange.</summary>
    public SymbolNotListedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public SymbolNotListedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
