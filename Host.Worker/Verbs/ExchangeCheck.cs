using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Reconciliation;
using TradingBot.Host.Worker.Composition;

namespace TradingBot.Host.Worker.Verbs;

/// <summary>
/// <c>verify --against-exchange</c>: every traded symbol's ledger position next to the exchange's, and every halted
/// symbol. Read-only: it records nothing (the worker's reconciliation does), so a trade the worker has not recorded
/// yet shows as a difference.
/// </summary>
internal static class ExchangeCheck
{
    /// <summary>Writes one line per symbol; true when every position agrees and nothing is halted.</summary>
    public static async Task<bool> WriteAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var exchange = services.GetRequiredService<IExchange>();
        var ledger = services.GetRequiredService<IUnitOfWork>();
        var symbols = services.GetRequiredService<IOptions<StrategyOptions>>().Value.ToSymbols();
        var atExchange = (await exchange.GetPositionsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.Symbol);
        var (positions, halts) = await ledger.ReadAsync(
            async (session, ct) => (
                (await session.Positions.GetAllAsync(ct).ConfigureAwait(false)).Where(p => p.Exchange == exchange.Name).ToDictionary(p => p.Symbol),
                (await session.Halts.GetAllAsync(ct).ConfigureAwait(false)).Where(h => h.Exchange == exchange.Name && h.IsActive).ToList()),
            cancellationToken).ConfigureAwait(false);

        var agrees = true;
        foreach (var symbol in symbols)
        {
            var theirs = atExchange.TryGetValue(symbol, out var e) ? e.NetQuantity : Amount.Zero;
            var ours = positions.TryGetValue(symbol, out var l) ? l.NetQuantity : Amount.Zero;
            if (theirs == ours)
            {
                Console.WriteLine($"Position {exchange.Name}/{symbol}: {ours}, as the exchange.");
            }
            else
            {
                agrees = false;
                Console.WriteLine($"DIFFERS: position {exchange.Name}/{symbol}: ledger {ours}, exchange {theirs}.");
            }
        }

        foreach (var halt in halts)
        {
            agrees = false;
            Console.WriteLine($"HALTED: {halt.Exchange}/{halt.Symbol} since {halt.HaltedAt:yyyy-MM-dd HH:mm:ss} UTC ({halt.Reason.ToCode()}): {halt.Detail}");
        }

        return agrees;
    }
}
