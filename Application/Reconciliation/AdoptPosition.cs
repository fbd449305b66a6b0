using System.Globalization;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Trading;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Reconciliation;

/// <summary>What adopting a position came to.</summary>
/// <param name="Adopted">The quantity recorded (signed: positive bought, negative sold); zero when there was nothing to adopt.</param>
/// <param name="LedgerPosition">The ledger's position afterwards.</param>
/// <param name="ExchangePosition">The exchange's position.</param>
/// <param name="Message">What was done, in words.</param>
/// <param name="Halt">The symbol's halt change, if the adoption lifted (or began) one.</param>
public sealed record PositionAdoption(Amount Adopted, Amount LedgerPosition, Amount ExchangePosition, string Message, HaltChange? Halt);

/// <summary>
/// The operator's release of a position the ledger has no trades for (opened before its backfill window, or on another
/// ledger): after recording every trade the exchange still shows, the difference between the exchange's position and
/// the ledger's is recorded as an external opening order with one fill at the exchange's entry price, audited. The
/// positions then agree and the symbol's "differs" halt lifts (a position beyond the strategy's intent stays halted).
/// Run it with the ledger lease held, so no worker records trades meanwhile.
/// </summary>
public sealed class AdoptPosition(IUnitOfWork ledger, IExchange exchange, IClock clock, IngestTrades ingestTrades, RecordFill recordFill)
{
    /// <summary>Adopts the exchange's position on <paramref name="symbol"/>; <paramref name="intent"/> decides whether the symbol may trade afterwards.</summary>
    public async Task<PositionAdoption> ExecuteAsync(Symbol symbol, PositionIntent intent, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        await ingestTrades.CatchUpAsync(symbol, cancellationToken).ConfigureAwait(false);
        var atExchange = (await exchange.GetPositionsAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(p => p.Symbol == symbol);
        var exchangeNet = atExchange?.NetQuantity ?? Amount.Zero;
        var ledgerNet = (await ledger.ExecuteAsync((session, ct) => session.Positions.GetAsync(exchange.Name, symbol, ct), cancellationToken).ConfigureAwait(false))?.NetQuantity ?? Amount.Zero;
        var difference = exchangeNet - ledgerNet;
        var adopted = Amount.Zero;
        var message = $"the ledger already holds {ledgerNet} {symbol}, as the exchange does: nothing to adopt";
        if (!difference.IsZero)
        {
            var rules = await exchange.GetInstrumentAsync(symbol, cancellationToken).ConfigureAwait(false);
            var price = atExchange?.EntryPrice ?? (await exchange.GetFundingQuoteAsync(symbol, cancellationToken).ConfigureAwait(false)).MarkPrice;
            var now = clock.UtcNow;
            var id = "ADOPT-" + now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

            // A trade's time is the exchange's: it becomes the symbol's trade cursor. In the host's clock, a host running fast
            // would put the cursor past the exchange's next trades, and on the paper exchange's fast clock it would fall
            // before the trades whose absence is adopted here, which the next catch-up would then record on top of it.
            var at = await exchange.ExchangeTimeAtAsync(now, cancellationToken).ConfigureAwait(false);
            var trade = new ExchangeTrade(
                new ExchangeFillId($"{exchange.Name.Value}:{symbol.Value}:{id}"), id, null, symbol,
                difference.Units > 0 ? Side.Buy : Side.Sell, price, new Quantity(Math.Abs(difference.Units)), new Money(rules.QuoteAsset, Amount.Zero), at)
            {
                OrderKind = "MARKET",
            };
            var audit = AuditEvent.Create(
                AuditEventType.Reconciliation,
                now,
                ("event", "position adopted by the operator: recorded as an external opening order"),
                ("symbol", symbol.Value),
                ("quantity", difference.ToString()),
                ("price", price.ToString()),
                ("ledger_before", ledgerNet.ToString()),
                ("exchange", exchangeNet.ToString()),
                ("actor", actor));
            // Its fill id is new, so Duplicate can only mean this adoption's own commit landed although its answer was lost.
            var result = await recordFill.ExecuteExternalAsync(exchange.Name, trade, audit, cancellationToken).ConfigureAwait(false);
            if (result.Status is not (RecordFillStatus.Recorded or RecordFillStatus.Duplicate))
            {
                throw new InvalidOperationException($"the adoption of {difference} {symbol} was not recorded ({result.Status})");
            }
            adopted = difference;
            ledgerNet = exchangeNet;
            message = $"adopted {difference} {symbol} at {price}: the ledger now holds {ledgerNet}, as the exchange does";
        }

        var haltEvent = Guid.CreateVersion7();
        var change = await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var current = await session.Halts.GetAsync(exchange.Name, symbol, ct).ConfigureAwait(false);
                var next = SymbolHaltRules.Next(current, exchange.Name, symbol, ledgerNet, exchangeNet, intent, clock.UtcNow);
                if (next is null)
                {
                    return null;
                }

                await session.Halts.SaveAsync(next, ct).ConfigureAwait(false);
                await session.Audit.AppendAsync(HaltAudit.Of(next, haltEvent), ct).ConfigureAwait(false);
                return new HaltChange(next, next.IsActive);
            },
            cancellationToken).ConfigureAwait(false);
        return new PositionAdoption(adopted, ledgerNet, exchangeNet, message, change);
    }
}
