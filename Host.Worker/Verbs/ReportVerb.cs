using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using TradingBot.Application.Ports;
using TradingBot.Application.Queries;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Reconciliation;
using TradingBot.Host.Worker.Composition;
using TradingBot.Infrastructure.Persistence;

namespace TradingBot.Host.Worker.Verbs;

/// <summary>
/// The report verb: positions, halted symbols, the open orders the ledger did not place (from the latest
/// reconciliation), realized PnL per day, and 24 hours of funding rates per symbol, as tables.
/// </summary>
internal static class ReportVerb
{
    public static async Task<int> RunAsync(string[] configurationArgs, CancellationToken cancellationToken)
    {
        var (builder, ledger) = WorkerHost.CreateBuilder(configurationArgs, withExchange: false, readOnly: true, fromReplica: true);
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        await WorkerHost.RequireLedgerAsync(host.Services, ledger, cancellationToken).ConfigureAwait(false);
        var unitOfWork = host.Services.GetRequiredService<IUnitOfWork>();
        var queries = host.Services.GetRequiredService<LedgerQueries>();
        var symbols = host.Services.GetRequiredService<IOptions<StrategyOptions>>().Value.ToSymbols();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 160;
        }

        console.WriteLine($"Ledger: {ledger.DescribeForReading()}");
        var positions = await unitOfWork.ExecuteAsync((s, ct) => s.Positions.GetAllAsync(ct), cancellationToken).ConfigureAwait(false);
        var positionTable = new Table().Title("Positions").AddColumns("Exchange", "Symbol", "Net quantity", "Avg entry", "Realized PnL", "Fees", "Funding", "Net realized", "Fills");
        foreach (var p in positions)
        {
            positionTable.AddRow(p.Exchange.Value, p.Symbol.Value, p.NetQuantity.ToString(), p.AverageEntryPrice?.ToString() ?? "-", p.RealizedPnl.ToString(), p.FeesPaid.ToString(), p.FundingReceived.ToString(), p.NetRealized.ToString(), p.FillCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(positionTable);

        var halts = await unitOfWork.ExecuteAsync((s, ct) => s.Halts.GetAllAsync(ct), cancellationToken).ConfigureAwait(false);
        var haltTable = new Table().Title("Halted symbols: no new orders").AddColumns("Exchange", "Symbol", "Since (UTC)", "Reason", "Detail", "How it lifts");
        foreach (var halt in halts.Where(h => h.IsActive))
        {
            haltTable.AddRow(
                halt.Exchange.Value, halt.Symbol.Value, halt.HaltedAt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                halt.Reason.ToCode(), Markup.Escape(halt.Detail), Markup.Escape(HowItLifts(halt)));
        }

        haltTable.Caption(halts.Any(h => h.IsActive) ? "README: What the worker trusts" : "none");
        console.Write(haltTable);

        var exchanges = positions.Select(p => p.Exchange).Distinct().ToList();
        var foreignTable = new Table().Title("Open orders at the exchange that the ledger did not place").AddColumns("Exchange", "Symbol", "Type", "Side", "Quantity", "Price", "Client order id", "Seen at (UTC)");
        foreach (var exchange in exchanges.DefaultIfEmpty(new ExchangeName("PAPER")))
        {
            var snapshot = await unitOfWork.ExecuteAsync((s, ct) => s.StateSnapshots.GetLatestAsync(exchange, ct), cancellationToken).ConfigureAwait(false);
            var orders = await unitOfWork.ExecuteAsync((s, ct) => s.Orders.GetOpenOrdersAsync(ct), cancellationToken).ConfigureAwait(false);
            var ours = orders.Select(o => o.IdempotencyKey.Value).ToHashSet(StringComparer.Ordinal);
            foreach (var order in snapshot?.OpenOrders.Where(o => !ours.Contains(o.ClientOrderId)) ?? [])
            {
                foreignTable.AddRow(
                    exchange.Value, order.Symbol.Value, order.NativeType, order.Side.ToCode(), order.Quantity.ToString(), order.LimitPrice?.ToString() ?? "-",
                    Markup.Escape(order.ClientOrderId), snapshot!.ReconciledAt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        console.Write(foreignTable);
        var pnlTable = new Table().Title("Realized PnL per UTC day").AddColumns("Day", "Exchange", "Symbol", "Trading", "Fees", "Funding", "Net");
        var unknown = await host.Services.GetRequiredService<LedgerMigrator>().FillsWithoutRealizedPnlAsync(cancellationToken).ConfigureAwait(false);
        if (unknown > 0)
        {
            pnlTable.Caption($"{unknown} fill(s) recorded before this version have no realized PnL yet and are left out: the worker's next start (or migrate) fills them in");
        }

        foreach (var exchange in exchanges)
        {
            foreach (var day in await queries.PnlByDayAsync(exchange, DateOnly.MinValue, DateOnly.MaxValue, cancellationToken).ConfigureAwait(false))
            {
                pnlTable.AddRow(day.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), exchange.Value, day.Symbol.Value, day.TradingPnl.ToString(), day.Fees.ToString(), day.Funding.ToString(), day.Net.ToString());
            }
        }

        console.Write(pnlTable);

        foreach (var exchange in exchanges.DefaultIfEmpty(new ExchangeName("PAPER")))
        {
            foreach (var symbol in symbols)
            {
                await WriteFundingAsync(console, unitOfWork, queries, exchange, symbol, cancellationToken).ConfigureAwait(false);
            }
        }

        return 0;
    }

    private static async Task WriteFundingAsync(IAnsiConsole console, IUnitOfWork unitOfWork, LedgerQueries queries, ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken)
    {
        var table = new Table().Title($"Funding rate, last 24 hours: {exchange}/{symbol}").AddColumns("Snapshot at (UTC)", "Rate (bps)", "Mark price", "Index price");
        var history = await queries.RecentFundingAsync(exchange, symbol, TimeSpan.FromHours(24), cancellationToken).ConfigureAwait(false);
        if (history.Count > 0)
        {
            foreach (var snapshot in Thin(history, 48))
            {
                table.AddRow(snapshot.SnapshotAt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), snapshot.Rate.ToBasisPointsString(), snapshot.MarkPrice.ToString(), snapshot.IndexPrice.ToString());
            }

            table.Caption($"{history.Count} snapshot(s); up to 48 shown, evenly spaced");
        }

        console.Write(table);
    }

    private static string HowItLifts(TradingBot.Domain.Reconciliation.SymbolHalt halt) => halt.Reason switch
    {
        TradingBot.Domain.Reconciliation.HaltReason.PositionDiffers => "when the ledger and the exchange agree again; a position the ledger has no trades for: adopt-position " + halt.Symbol.Value,
        TradingBot.Domain.Reconciliation.HaltReason.BeyondIntent => "when the position is back within what the strategy holds (close the excess at the exchange)",
        _ => $"at {halt.Until:yyyy-MM-dd HH:mm:ss} UTC, when the close is tried again",
    };

    private static IEnumerable<T> Thin<T>(IReadOnlyList<T> rows, int most) =>
        rows.Count <= most ? rows : Enumerable.Range(0, most).Select(i => rows[i * (rows.Count - 1) / (most - 1)]);

}
