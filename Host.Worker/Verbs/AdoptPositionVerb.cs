using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TradingBot.Application.Ports;
using TradingBot.Application.Reconciliation;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Reconciliation;
using TradingBot.Host.Worker.Composition;

using TradingBot.Hosting;

namespace TradingBot.Host.Worker.Verbs;

/// <summary>
/// <c>adopt-position SYMBOL</c>: the operator's release of a position the ledger has no trades for. It takes the
/// ledger lease (a running worker is a refusal: stop it first, so no trade is recorded twice), records the difference
/// between the exchange's position and the ledger's as an external opening order, audited, and prints what it did.
/// </summary>
internal static class AdoptPositionVerb
{
    public static async Task<int> RunAsync(string symbolText, string[] configurationArgs, CancellationToken cancellationToken)
    {
        if (!Symbol.TryCreate(symbolText, out var symbol, out var error))
        {
            throw new TradingBotConfigurationException($"adopt-position: {error}");
        }

        var (builder, ledger) = WorkerHost.CreateBuilder(configurationArgs, withExchange: true);
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        var strategy = host.Services.GetRequiredService<IOptions<StrategyOptions>>().Value;
        if (!strategy.ToSymbols().Contains(symbol))
        {
            throw new TradingBotConfigurationException($"adopt-position: {symbol} is not one of Strategy:Symbols ({string.Join(", ", strategy.Symbols)}); the worker does not trade it");
        }

        Console.WriteLine($"Ledger: {ledger.Describe()}");
        var lease = host.Services.GetRequiredService<ILedgerLease>();
        if (!await lease.TryAcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            await Console.Error.WriteLineAsync("Another worker holds this ledger; stop it before adopting a position (it would record the same trades meanwhile).").ConfigureAwait(false);
            return WorkerCommandLine.LedgerBusy;
        }

        try
        {
            var adoption = await host.Services.GetRequiredService<AdoptPosition>()
                .ExecuteAsync(symbol, strategy.ToSettings().Intent, $"operator on {Environment.MachineName}:{Environment.ProcessId}", cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"adopt-position: {adoption.Message}.");
            if (adoption.Halt is { } change)
            {
                Console.WriteLine(change.Began
                    ? $"{symbol} is halted ({change.Halt.Reason.ToCode()}): {change.Halt.Detail}"
                    : $"{symbol} is no longer halted: it trades again when the worker runs.");
            }

            return 0;
        }
        finally
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
        }
    }
}
