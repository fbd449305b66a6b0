using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Ports;

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

    /// <summary>
    /// The exchange's clock at the moment this host's clock read <paramref name="hostTime"/>, as well as the adapter knows
    /// it (Binance: the host's clock plus the offset measured with its server time; the paper exchange: its simulated
    /// clock). The ledger stamps its own records with the host's clock while trades carry the exchange's; a window of trades
    /// around a ledger record is converted with this before it is asked for, so a host clock that is off does not move it.
    /// </summary>
    Task<DateTimeOffset> ExchangeTimeAtAsync(DateTimeOffset hostTime, CancellationToken cancellationToken);

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
