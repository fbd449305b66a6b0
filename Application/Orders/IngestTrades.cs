using TradingBot.Application.Ports;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Orders;

/// <summary>How many trades an ingestion saw and what became of them.</summary>
/// <param name="Recorded">New fills recorded.</param>
/// <param name="Duplicates">Trades the ledger already had.</param>
/// <param name="Foreign">New fills of orders the ledger did not place, recorded as external orders (included in <paramref name="Recorded"/>).</param>
/// <param name="Refused">Trades refused (an over-fill; reported in the audit log).</param>
public sealed record TradeIngestion(int Recorded, int Duplicates, int Foreign, int Refused)
{
    /// <summary>New fills that corrected a "never placed" judgement (included in <see cref="Recorded"/>).</summary>
    public int Corrections { get; init; }
}

/// <summary>
/// Turns the exchange's trades on a symbol into ledger fills: each trade is matched to its order by client
/// order id (the idempotency key) or by its exchange order id (qualified with exchange and symbol), and recorded
/// with <see cref="RecordFill"/>, so a trade delivered twice or out of order is recorded exactly once. A trade of an
/// order the ledger did not place is recorded as an external order of its own, so the ledger's position follows
/// every trade on the account.
/// </summary>
public sealed class IngestTrades(IUnitOfWork ledger, IExchange exchange, RecordFill recordFill, IClock clock)
{
    // The cursor steps back this far in exchange time: re-reading is free (fills are deduplicated), missing is not.
    private static readonly TimeSpan CursorOverlap = TimeSpan.FromHours(1);
    private static readonly TimeSpan FirstBackfill = TimeSpan.FromDays(7);

    /// <summary>
    /// Ingests the symbol's trades since the last recorded fill (an hour before it, so nothing late is missed), or of
    /// the last seven days when the ledger has none. While the symbol is halted because its position is not what the
    /// ledger expects (POSITION_DIFFERS, BEYOND_INTENT), the trades are read again from an hour before the halt began (in the
    /// exchange's time, <see cref="IExchange.ExchangeTimeAtAsync"/>): a
    /// trade that became visible only after a later one had moved the cursor past it is found, and the halt can lift.
    /// </summary>
    public Task<TradeIngestion> CatchUpAsync(Symbol symbol, CancellationToken cancellationToken) =>
        CatchUpAsync(symbol, DateTimeOffset.MaxValue, cancellationToken);

    /// <summary>
    /// As <see cref="CatchUpAsync(Symbol, CancellationToken)"/>, reading from <paramref name="from"/> (exchange time) if that
    /// is earlier: an order just filled at that time has its trades read now, and the trades of others since the cursor
    /// too, before its fill moves the cursor past them.
    /// </summary>
    public async Task<TradeIngestion> CatchUpAsync(Symbol symbol, DateTimeOffset from, CancellationToken cancellationToken)
    {
        var (latest, halt) = await ledger.ExecuteAsync(
            async (session, ct) => (
                await session.Fills.GetLatestFillTimeAsync(exchange.Name, symbol, ct).ConfigureAwait(false),
                await session.Halts.GetAsync(exchange.Name, symbol, ct).ConfigureAwait(false)),
            cancellationToken).ConfigureAwait(false);
        // The cursor is the exchange's time. The first backfill and the halt are the host's: their margins are the host's too
        // (a halt is noticed up to a reconciliation interval of real time after its trade; on the paper exchange's fast clock
        // an hour of its time is seconds), and the window's start is then converted to the exchange's clock.
        var since = latest is { } t ? t - CursorOverlap : await exchange.ExchangeTimeAtAsync(clock.UtcNow - FirstBackfill, cancellationToken).ConfigureAwait(false);
        if (halt is { IsActive: true, Reason: HaltReason.PositionDiffers or HaltReason.BeyondIntent })
        {
            var haltWindow = await exchange.ExchangeTimeAtAsync(halt.HaltedAt - CursorOverlap, cancellationToken).ConfigureAwait(false);
            if (haltWindow < since)
            {
                since = haltWindow;
            }
        }

        return await ExecuteAsync(symbol, from < since ? from : since, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ingests trades at or after <paramref name="since"/>.</summary>
    public async Task<TradeIngestion> ExecuteAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var trades = await exchange.GetTradesAsync(symbol, since, cancellationToken).ConfigureAwait(false);
        int recorded = 0, duplicates = 0, foreign = 0, refused = 0, corrections = 0;

        // Most of what the overlap re-reads is stored already: one read tells which, and only the rest is looked up and recorded.
        var stored = trades.Count == 0
            ? new HashSet<ExchangeFillId>()
            : await ledger.ExecuteAsync((session, ct) => session.Fills.WhichAreStoredAsync([.. trades.Select(t => t.ExchangeFillId)], ct), cancellationToken).ConfigureAwait(false);
        foreach (var trade in trades)
        {
            if (stored.Contains(trade.ExchangeFillId))
            {
                duplicates++;
                continue;
            }

            var order = await ledger.ExecuteAsync((session, ct) => FindOrderAsync(session, trade, ct), cancellationToken).ConfigureAwait(false);
            var result = order is null
                ? await recordFill.ExecuteExternalAsync(exchange.Name, trade, cancellationToken).ConfigureAwait(false)
                : await recordFill.ExecuteAsync(new Fill(trade.ExchangeFillId, order.Id, trade.Price, trade.Quantity, trade.Fee, trade.Time), cancellationToken).ConfigureAwait(false);
            switch (result.Status)
            {
                case RecordFillStatus.Recorded:
                    recorded++;
                    foreign += result.External ? 1 : 0;
                    corrections += result.CorrectedRejection ? 1 : 0;
                    break;
                case RecordFillStatus.Duplicate:
                    duplicates++;
                    break;
                default:
                    refused++;
                    await AuditAsync(trade, $"fill refused ({result.Status}) for order {order?.IdempotencyKey.Value ?? "(external)"}", cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        return new TradeIngestion(recorded, duplicates, foreign, refused) { Corrections = corrections };
    }

    // A client id is only the ledger's key when the order is on the same exchange and symbol; Binance reuses its own
    // client ids (adl_autoclose), which are never the ledger's keys and may not even be valid ones.
    private async Task<Order?> FindOrderAsync(ILedgerSession session, ExchangeTrade trade, CancellationToken ct)
    {
        if (trade.ClientOrderId is { } clientId && IdempotencyKey.IsValid(clientId, out _) && !clientId.StartsWith(IdempotencyKey.ExternalPrefix, StringComparison.Ordinal))
        {
            var byKey = await session.Orders.FindByIdempotencyKeyAsync(new IdempotencyKey(clientId), ct).ConfigureAwait(false);
            if (byKey is not null && byKey.Exchange == exchange.Name && byKey.Symbol == trade.Symbol)
            {
                return byKey;
            }
        }

        var byId = await session.Orders.FindByExchangeOrderIdAsync(ExchangeOrderIds.Qualify(exchange.Name, trade.Symbol, trade.ExchangeOrderId), ct).ConfigureAwait(false);
        return byId is { IsExternal: false } ? byId : null;
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
