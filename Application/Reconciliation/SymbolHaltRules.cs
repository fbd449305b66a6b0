using TradingBot.Application.Trading;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Reconciliation;

/// <summary>A halt that began or lifted.</summary>
/// <param name="Halt">The halt record as saved.</param>
/// <param name="Began">True when the symbol was halted now; false when its halt lifted now.</param>
public sealed record HaltChange(SymbolHalt Halt, bool Began);

/// <summary>
/// When a symbol halts and when the halt lifts, most severe first: the ledger's position differs from the exchange's
/// (lifts when they agree again); the position is beyond the strategy's intent (lifts when it is back inside); the
/// exchange kept refusing the close (lifts at its <see cref="SymbolHalt.Until"/>). Without a fresh exchange position
/// only the intent is judged, and a "differs" halt holds.
/// </summary>
public static class SymbolHaltRules
{
    /// <summary>The halt record to save for the symbol now, or null when nothing changes.</summary>
    public static SymbolHalt? Next(
        SymbolHalt? current,
        ExchangeName exchange,
        Symbol symbol,
        Amount ledgerPosition,
        Amount? exchangePosition,
        PositionIntent intent,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var active = current is { IsActive: true } ? current : null;
        (HaltReason Reason, string Detail)? due = null;
        if (exchangePosition is { } atExchange && atExchange != ledgerPosition)
        {
            due = (HaltReason.PositionDiffers, $"the ledger holds {ledgerPosition} {symbol}, the exchange {atExchange}");
        }
        else if (exchangePosition is null && active?.Reason == HaltReason.PositionDiffers)
        {
            return null; // only the exchange can say they agree again
        }
        else if (!intent.Contains(ledgerPosition))
        {
            due = (HaltReason.BeyondIntent, $"the position {ledgerPosition} {symbol} is outside what the strategy means to hold ({intent})");
        }
        else if (active is { Reason: HaltReason.CloseRefused, Until: { } until } && now < until)
        {
            return null;
        }

        if (due is not { } halt)
        {
            return active?.Release(now);
        }

        return active?.Reason == halt.Reason ? null : new SymbolHalt(exchange, symbol, halt.Reason, halt.Detail, now);
    }
}
