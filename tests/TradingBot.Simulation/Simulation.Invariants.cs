using Microsoft.Extensions.DependencyInjection;
using TradingBot.Application.Ports;
using TradingBot.Application.Verification;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;
using TradingBot.Infrastructure.Exchanges.Binance;
using TradingBot.Infrastructure.Persistence;

namespace TradingBot.Simulation;

/// <summary>The invariants, checked the way a bank reconciles: the ledger against the exchange's own record.</summary>
public sealed partial class Simulation
{
    /// <summary>
    /// After every step: every fill in the ledger is a trade of the exchange with exactly its price, quantity and fee; no
    /// order the exchange has is judged never placed; the account never held more than the strategy means to (a second order for one intent would show here). At the end,
    /// after the quiet hour, also: every trade of a traded symbol is in the ledger, each position equals the exchange's,
    /// no order is PENDING and every order agrees with the exchange's, every funding payment is recorded to the unit,
    /// no symbol is still halted, and <c>verify</c> passes.
    /// </summary>
    private async Task CheckAsync(bool final, CancellationToken cancellationToken)
    {
        var auditor = _auditor ??= Auditor();
        var ledger = auditor.GetRequiredService<IUnitOfWork>();
        var record = _paper.Record();
        var (fills, orders, positions, payments, halts) = await ledger.ReadAsync(
            async (session, ct) => (
                await session.Fills.GetAllAsync(ct).ConfigureAwait(false),
                await session.Orders.GetAllAsync(ct).ConfigureAwait(false),
                await session.Positions.GetAllAsync(ct).ConfigureAwait(false),
                await session.FundingPayments.GetRangeAsync(ExchangeName, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, ct).ConfigureAwait(false),
                await session.Halts.GetAllAsync(ct).ConfigureAwait(false)),
            cancellationToken).ConfigureAwait(false);

        var trades = record.Trades.ToDictionary(FillIdOf, StringComparer.Ordinal);
        foreach (var recorded in fills)
        {
            var fill = recorded.Fill;
            if (!trades.TryGetValue(fill.ExchangeFillId.Value, out var trade))
            {
                Violation($"fill {fill.ExchangeFillId} is in the ledger but the exchange has no such trade");
            }
            else if (trade.Price != fill.Price || trade.Quantity != fill.Quantity || trade.Fee != fill.Fee || trade.Side != recorded.Side)
            {
                Violation($"fill {fill.ExchangeFillId} is {recorded.Side.ToCode()} {fill.Quantity} at {fill.Price} fee {fill.Fee} in the ledger, {trade.Side.ToCode()} {trade.Quantity} at {trade.Price} fee {trade.Fee} at the exchange");
            }
        }

        // An exchange whose query lag stays within the ledger's visibility margin never sees an order it holds judged
        // "never placed" (late adoption would correct the ledger, but the worker may already have traded on the verdict).
        var atExchange = record.Orders.Select(o => o.ClientOrderId).ToHashSet(StringComparer.Ordinal);
        foreach (var order in orders.Where(o => o.Status == OrderStatus.Rejected && atExchange.Contains(o.IdempotencyKey.Value)))
        {
            Violation($"order {order.IdempotencyKey} is judged never placed, but the exchange has it");
        }

        var most = Strategy.Intent;
        foreach (var (symbol, position) in record.Positions)
        {
            if (position.Lowest < most.Lowest.Units || position.Highest > most.Highest.Units)
            {
                Violation($"the account held {symbol} from {new Domain.Amounts.Amount(position.Lowest)} to {new Domain.Amounts.Amount(position.Highest)}, beyond what the strategy means to hold ({most}): an intent was placed twice");
            }
        }

        if (!final)
        {
            return;
        }

        var recordedFills = fills.Select(f => f.Fill.ExchangeFillId.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var trade in record.Trades.Where(t => !recordedFills.Contains(FillIdOf(t))))
        {
            Violation($"trade {FillIdOf(trade)} ({trade.ClientOrderId} {trade.Side.ToCode()} {trade.Quantity} at {trade.Price}) is not in the ledger");
        }

        foreach (var (symbol, position) in record.Positions)
        {
            var held = positions.FirstOrDefault(p => p.Symbol.Value == symbol)?.NetQuantity.Units ?? 0;
            if (held != position.Net)
            {
                Violation($"{symbol}: the ledger holds {new Domain.Amounts.Amount(held)}, the exchange {new Domain.Amounts.Amount(position.Net)}");
            }
        }

        var exchangeOrders = record.Orders.ToDictionary(o => $"{ExchangeName.Value}:{o.Symbol}:{o.ExchangeOrderId}", StringComparer.Ordinal);
        foreach (var order in orders)
        {
            if (order.Status == OrderStatus.Pending)
            {
                Violation($"order {order.IdempotencyKey} is still PENDING an hour after the faults stopped");
            }
            else if (order.ExchangeOrderId is { } id)
            {
                if (!exchangeOrders.TryGetValue(id, out var known))
                {
                    Violation($"order {order.IdempotencyKey} names exchange order {id}, which the exchange does not have");
                }
                else if (known.Status != order.Status || known.FilledQuantity != order.FilledQuantity)
                {
                    Violation($"order {order.IdempotencyKey} is {order.Status.ToCode()} {order.FilledQuantity} in the ledger, {known.Status.ToCode()} {known.FilledQuantity} at the exchange");
                }
            }
        }

        var paid = payments.ToDictionary(p => p.ExchangePaymentId, StringComparer.Ordinal);
        foreach (var payment in record.Funding)
        {
            if (!paid.TryGetValue(PaymentIdOf(payment), out var recorded) || recorded.Amount != payment.Amount)
            {
                Violation($"funding payment {PaymentIdOf(payment)} of {payment.Amount} is {(recorded is null ? "missing from" : $"{recorded.Amount} in")} the ledger");
            }
        }

        var ledgerSum = payments.Sum(p => p.Amount.Amount.Units);
        var exchangeSum = record.Funding.Sum(p => p.Amount.Amount.Units);
        if (ledgerSum != exchangeSum || payments.Count != record.Funding.Count)
        {
            Violation($"funding payments sum to {new Domain.Amounts.Amount(ledgerSum)} in {payments.Count} rows in the ledger, {new Domain.Amounts.Amount(exchangeSum)} in {record.Funding.Count} at the exchange");
        }

        foreach (var halt in halts.Where(h => h.IsActive))
        {
            Violation($"{halt.Symbol} is still halted ({halt.Reason.ToCode()}: {halt.Detail}) an hour after the faults stopped");
        }

        var verification = await auditor.GetRequiredService<VerifyLedger>().ExecuteAsync(RequestValidity, 2 * PollInterval, cancellationToken).ConfigureAwait(false);
        foreach (var problem in verification.Violations)
        {
            Violation($"verify: {problem}");
        }
    }

    // A trade's id as the worker's adapter names it: the paper exchange's own, or Binance's for the same trade id.
    private string FillIdOf(ExchangeTrade trade) =>
        _binance is null ? trade.ExchangeFillId.Value : $"{BinanceExchange.BinanceName.Value}:{trade.Symbol}:{trade.ExchangeFillId.Value.Split(':')[^1]}";

    // A funding payment's id as the worker's adapter names it: the paper exchange's own, or Binance's transaction id for it.
    private string PaymentIdOf(Domain.Funding.FundingPayment payment) =>
        _binance is null ? payment.ExchangePaymentId : $"{BinanceExchange.BinanceName.Value}:FUNDING:{payment.Symbol}:{_binance.TransactionIdOf(payment.ExchangePaymentId).ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    // Reads the ledger as an operator's verify would: its own process, no faults, nothing traced.
    private ServiceProvider Auditor()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IClock>(new SystemClock(_time));
        _ledgers.AddTo(services, _connectionString);
        services.AddTradingBotApplication();
        return services.BuildServiceProvider();
    }
}
