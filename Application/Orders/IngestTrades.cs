using TradingBot.Application.Ports;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Orders;

/// <summary>How many trades an ingestion saw and what became of them.</summary>
/// <param name="Recorded">New fills recorded.</param>
/// <param name="Duplicates">Trades the ledger already had.</param>
/// <param name="Foreign">Trades of orders the ledger did not place (reported in the audit log).</param>
/// <param name="Refused">Trades refused (over-fill or a rejected order; reported in the audit log).</param>
public sealed record TradeIngestion(int Recorded, int Duplicates, int Foreign, int Refused);

/// <summary>
/// Turns the exchange's trades on a symbol into ledger fills: each trade is matched to its order by client
/// order id (the idempotency key) or exchange order id, and recorded with <see cref="RecordFill"/>, so a
/// trade delivered twice or out of order is recorded exactly once.
/// </summary>
public sealed class IngestTrades(IUnitOfWork ledger, IExchange exchange, RecordFill recordFill, IClock clock)
{
    /// <summary>Ingests trades at or after <paramref name="since"/>.</summary>
    public async Task<TradeIngestion> ExecuteAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var trades = await exchange.GetTradesAsync(symbol, since, cancellationToken).ConfigureAwait(false);
        int recorded = 0, duplicates = 0, foreign = 0, refused = 0;
        foreach (var trade in trades)
        {
            var order = await ledger.ExecuteAsync((session, ct) => FindOrderAsync(session, trade, ct), cancellationToken).ConfigureAwait(false);
            if (order is null)
            {
                foreign++;
                await AuditAsync(trade, "trade of an order the ledger did not place", cancellationToken).ConfigureAwait(false);
                continue;
            }

            var fill = new Fill(trade.ExchangeFillId, order.Id, trade.Price, trade.Quantity, trade.Fee, trade.Time);
            var result = await recordFill.ExecuteAsync(fill, cancellationToken).ConfigureAwait(false);
            switch (result.Status)
            {
                case RecordFillStatus.Recorded:
                    recorded++;
                    break;
                case RecordFillStatus.Duplicate:
                    duplicates++;
                    break;
                default:
                    refused++;
                    await AuditAsync(trade, $"fill refused ({result.Status}) for order {order.IdempotencyKey}", cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        return new TradeIngestion(recorded, duplicates, foreign, refused);
    }

    private static async Task<Order?> FindOrderAsync(ILedgerSession session, ExchangeTrade trade, CancellationToken ct)
    {
        if (trade.ClientOrderId is { } clientId && IdempotencyKey.IsValid(clientId, out _))
        {
            var byKey = await session.Orders.FindByIdempotencyKeyAsync(new IdempotencyKey(clientId), ct).ConfigureAwait(false);
            if (byKey is not null)
            {
                return byKey;
            }
        }

        return await session.Orders.FindByExchangeOrderIdAsync(trade.ExchangeOrderId, ct).ConfigureAwait(false);
    }

    // Reports a trade's problem once: the trades are fetched with an overlap, so the same trade and problem come back in
    // later cycles. The event's id is derived from the trade and the problem; one already stored is not appended again
    // (and a re-run after a lost commit answer appends the same event, not a second one).
    private Task<bool> AuditAsync(ExchangeTrade trade, string problem, CancellationToken cancellationToken)
    {
        var error = AuditEvent.ForOccurrence(
            $"ingest-trades|{exchange.Name.Value}|{trade.Symbol.Value}|{trade.ExchangeFillId.Value}|{problem}",
            AuditEventType.Error,
            clock.UtcNow,
            ("error", problem),
            ("exchange_fill_id", trade.ExchangeFillId.Value),
            ("exchange_order_id", trade.ExchangeOrderId),
            ("symbol", trade.Symbol.Value));
        return ledger.ExecuteAsync(
            async (session, ct) =>
            {
                if (await session.Audit.ContainsAsync(error.Id, ct).ConfigureAwait(false))
                {
                    return false;
                }

                await session.Audit.AppendAsync(error, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }
}
