using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Trading;

/// <summary>What the start-up check of the trading rules found.</summary>
/// <param name="Problems">Settings the exchange's rules refuse, one message each naming the setting: the worker must not start.</param>
/// <param name="Notes">Settings the exchange will take rounded, one message each.</param>
public sealed record TradingRulesCheck(IReadOnlyList<string> Problems, IReadOnlyList<string> Notes);

/// <summary>
/// Before the first decision: every traded symbol must be listed by the exchange, and the configured order quantity
/// must survive its rounding to each symbol's rules (step, minimum quantity, minimum notional at the current mark
/// price). A symbol the exchange does not list, or a quantity that rounds to zero or breaks a minimum, is a problem
/// naming the setting; an exchange that cannot be reached throws <see cref="ExchangeException"/> (an outage, retried).
/// </summary>
public sealed class CheckTradingRules(IExchange exchange)
{
    /// <summary>Runs the check.</summary>
    public async Task<TradingRulesCheck> ExecuteAsync(CycleSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>();
        var notes = new List<string>();
        var quantity = settings.Strategy.OrderQuantity;
        foreach (var symbol in settings.Symbols)
        {
            InstrumentRules rules;
            try
            {
                rules = await exchange.GetInstrumentAsync(symbol, cancellationToken).ConfigureAwait(false);
            }
            catch (SymbolNotListedException exception)
            {
                problems.Add($"Strategy:Symbols lists {symbol}, which {exchange.Name} does not list ({exception.Message})");
                continue;
            }

            var mark = (await exchange.GetFundingQuoteAsync(symbol, cancellationToken).ConfigureAwait(false)).MarkPrice;
            var sized = OrderSizing.Size(rules, OrderType.Market, Side.Sell, quantity, null, mark, reduceOnly: false);
            if (!sized.Sendable)
            {
                problems.Add($"Strategy:OrderQuantity {quantity} cannot be traded on {symbol}: {sized.Problem}");
            }
            else if (sized.Quantity != quantity)
            {
                notes.Add($"Strategy:OrderQuantity {quantity} is traded on {symbol} as {sized.Quantity} (its step is {rules.MarketStepSize})");
            }
        }

        return new TradingRulesCheck(problems, notes);
    }
}
