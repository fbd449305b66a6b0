using TradingBot.Application.Ports;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Simulation;

/// <summary>
/// One worker's connection to the simulated exchange (the paper exchange's port, or the Binance adapter over HTTP to the
/// same paper engine): the paper exchange's model on virtual time, with the faults of
/// the run's <see cref="FaultProfile"/> that happen between a client and an exchange (reads failing, a request lost
/// before it was sent, -1021), and every call a step boundary where the simulation may stall, crash the worker or take
/// its lease. Each call and its answer goes into the trace.
/// </summary>
internal sealed class SimulatedExchange(Simulation simulation, Func<SimulatedWorker?> self, IExchange exchange) : IExchange
{
    private SimulatedWorker Worker => self() ?? throw new InvalidOperationException("the simulated exchange was called before its worker was made");

    public ExchangeName Name => exchange.Name;

    public TimeSpan RequestValidity => exchange.RequestValidity;

    public Task<DateTimeOffset> ExchangeTimeAtAsync(DateTimeOffset hostTime, CancellationToken cancellationToken) =>
        exchange.ExchangeTimeAtAsync(hostTime, cancellationToken);

    public Task<InstrumentRules> GetInstrumentAsync(Symbol symbol, CancellationToken cancellationToken) =>
        exchange.GetInstrumentAsync(symbol, cancellationToken);

    public Task<FundingQuote> GetFundingQuoteAsync(Symbol symbol, CancellationToken cancellationToken) =>
        ReadAsync($"quote {symbol}", () => exchange.GetFundingQuoteAsync(symbol, cancellationToken), q => $"rate {q.Rate} mark {q.MarkPrice}");

    public async Task<PlaceOrderResult> PlaceOrderAsync(OrderRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var what = $"place {request.ClientOrderId} {request.Side.ToCode()} {request.Quantity} {request.Symbol}{(request.ReduceOnly ? " reduce-only" : string.Empty)}";
        await simulation.BeforeCallAsync(Worker, what, mayMoveLease: false).ConfigureAwait(false);
        if (simulation.Roll(simulation.Faults.LostBeforeSendPercent, 100))
        {
            simulation.Trace(Worker, $"{what} -> connection reset before the request was sent");
            throw new ExchangeException("connection reset before the request was sent (simulated)");
        }

        simulation.Sent(Worker, request);
        PlaceOrderResult result = simulation.Roll(simulation.Faults.ClockSkewPercent, 100)
            ? new PlaceOrderResult.Rejected("-1021 Timestamp for this request is outside of the recvWindow (simulated)") { NotSent = true }
            : await exchange.PlaceOrderAsync(request, cancellationToken).ConfigureAwait(false);
        simulation.Trace(Worker, $"{what} -> {Describe(result)}");
        await simulation.AfterCallAsync(Worker, what).ConfigureAwait(false);
        return result;
    }

    public Task<OrderLookupResult> GetOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) =>
        ReadAsync($"lookup {clientOrderId}", () => exchange.GetOrderAsync(symbol, clientOrderId, cancellationToken), r => r switch
        {
            OrderLookupResult.Found found => Describe(found.State),
            _ => r.GetType().Name,
        });

    public Task<CancelOrderResult> CancelOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) =>
        ReadAsync($"cancel {clientOrderId}", () => exchange.CancelOrderAsync(symbol, clientOrderId, cancellationToken), r => r.GetType().Name);

    public Task<IReadOnlyList<ExchangeOrderState>> GetOpenOrdersAsync(Symbol? symbol, CancellationToken cancellationToken) =>
        ReadAsync($"open orders {symbol}", () => exchange.GetOpenOrdersAsync(symbol, cancellationToken), r => string.Join("; ", r.Select(Describe)));

    public Task<IReadOnlyList<ExchangeTrade>> GetTradesAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken) =>
        ReadAsync($"trades {symbol} since {since:O}", () => exchange.GetTradesAsync(symbol, since, cancellationToken), r => string.Join(", ", r.Select(t => t.ExchangeFillId.Value)));

    public Task<IReadOnlyList<PositionView>> GetPositionsAsync(CancellationToken cancellationToken) =>
        ReadAsync("positions", () => exchange.GetPositionsAsync(cancellationToken), r => string.Join(", ", r.Select(p => $"{p.Symbol} {p.NetQuantity}")));

    public Task<IReadOnlyList<BalanceView>> GetBalancesAsync(CancellationToken cancellationToken) =>
        ReadAsync("balances", () => exchange.GetBalancesAsync(cancellationToken), r => string.Join(", ", r.Select(b => $"{b.Asset} {b.Wallet}")));

    public Task<IReadOnlyList<FundingPayment>> GetFundingPaymentsAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        ReadAsync($"funding payments since {since:O}", () => exchange.GetFundingPaymentsAsync(since, cancellationToken), r => string.Join(", ", r.Select(p => $"{p.ExchangePaymentId} {p.Amount}")));

    private static string Describe(PlaceOrderResult result) => result switch
    {
        PlaceOrderResult.Accepted accepted => $"accepted {Describe(accepted.State)}",
        PlaceOrderResult.Rejected rejected => $"rejected{(rejected.NotSent ? " (not sent)" : string.Empty)}: {rejected.Reason}",
        PlaceOrderResult.Unknown unknown => $"unknown: {unknown.Reason}",
        _ => result.GetType().Name,
    };

    private static string Describe(ExchangeOrderState o) => $"{o.ExchangeOrderId} {o.ClientOrderId} {o.Status} {o.FilledQuantity}/{o.Quantity}";

    private async Task<T> ReadAsync<T>(string what, Func<Task<T>> call, Func<T, string> describe)
    {
        await simulation.BeforeCallAsync(Worker, what, mayMoveLease: true).ConfigureAwait(false);
        if (simulation.Roll(simulation.Faults.ReadFailurePercent, 100))
        {
            simulation.Trace(Worker, $"{what} -> 503 Service Unavailable");
            throw new ExchangeException($"{what}: 503 Service Unavailable (simulated)");
        }

        var result = await call().ConfigureAwait(false);
        simulation.Trace(Worker, $"{what} -> {describe(result)}");
        await simulation.AfterCallAsync(Worker, what).ConfigureAwait(false);
        return result;
    }
}
