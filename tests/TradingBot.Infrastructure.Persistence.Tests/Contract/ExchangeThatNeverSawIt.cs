using TradingBot.Application.Ports;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>An exchange that answers every lookup "does not exist" (-2013); nothing else is asked of it here.</summary>
public sealed class ExchangeThatNeverSawIt(TimeSpan requestValidity) : IExchange
{
    public ExchangeName Name { get; } = new("BINANCE");

    public TimeSpan RequestValidity => requestValidity;

    public Task<DateTimeOffset> ExchangeTimeAtAsync(DateTimeOffset hostTime, CancellationToken cancellationToken) => Task.FromResult(hostTime);

    public Task<OrderLookupResult> GetOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) =>
        Task.FromResult<OrderLookupResult>(new OrderLookupResult.NotFound());

    public Task<InstrumentRules> GetInstrumentAsync(Symbol symbol, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<FundingQuote> GetFundingQuoteAsync(Symbol symbol, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<PlaceOrderResult> PlaceOrderAsync(OrderRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<CancelOrderResult> CancelOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<ExchangeOrderState>> GetOpenOrdersAsync(Symbol? symbol, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<ExchangeTrade>> GetTradesAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<PositionView>> GetPositionsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<BalanceView>> GetBalancesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<FundingPayment>> GetFundingPaymentsAsync(DateTimeOffset since, CancellationToken cancellationToken) => throw new NotSupportedException();
}
