using TradingBot.Application.Ports;
using TradingBot.Application.Queries;
using TradingBot.Domain.Instruments;
using TradingBot.Hosting;

// A read-only API over a TradingBot ledger: positions, realized PnL per day and the funding series, as JSON. It reads
// the worker's own settings (Ledger:Provider, ConnectionStrings:Ledger, and ConnectionStrings:LedgerReadOnly for a
// replica) and never writes. Amounts are exact decimal text, as the ledger holds them.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddTradingBotLedger(builder.Configuration, LedgerAccess.ReadReplica, builder.Environment.ContentRootPath);
builder.Services.AddTransient<LedgerQueries>(); // the read side only: no use case that needs an exchange
var app = builder.Build();

app.MapGet("/positions", async (IUnitOfWork ledger, CancellationToken ct) =>
    (await ledger.ExecuteAsync((session, c) => session.Positions.GetAllAsync(c), ct)).Select(p => new PositionAnswer(
        p.Exchange.Value, p.Symbol.Value, p.NetQuantity.ToString(), p.AverageEntryPrice?.ToString(), p.RealizedPnl.ToString(),
        p.FeesPaid.ToString(), p.FundingReceived.ToString(), p.NetRealized.ToString(), p.FillCount)));

app.MapGet("/pnl/daily/{exchange}", async (string exchange, LedgerQueries queries, CancellationToken ct) =>
    (await queries.PnlByDayAsync(new ExchangeName(exchange), DateOnly.MinValue, DateOnly.MaxValue, ct)).Select(d => new DailyPnlAnswer(
        d.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), d.Symbol.Value, d.TradingPnl.ToString(), d.Fees.ToString(), d.Funding.ToString(), d.Net.ToString())));

// The 24 hours up to the latest snapshot (the exchange's clock, which the paper exchange runs fast).
app.MapGet("/funding/{exchange}/{symbol}", async (string exchange, string symbol, LedgerQueries queries, CancellationToken ct) =>
{
    var history = await queries.RecentFundingAsync(new ExchangeName(exchange), new Symbol(symbol), TimeSpan.FromHours(24), ct);
    return history.Select(s => new FundingAnswer(s.SnapshotAt, s.Rate.ToBasisPointsString(), s.MarkPrice.ToString(), s.IndexPrice.ToString()));
});

app.Run();

internal sealed record PositionAnswer(string Exchange, string Symbol, string NetQuantity, string? AverageEntryPrice, string RealizedPnl, string Fees, string Funding, string NetRealized, long Fills);

internal sealed record DailyPnlAnswer(string Day, string Symbol, string Trading, string Fees, string Funding, string Net);

internal sealed record FundingAnswer(DateTimeOffset SnapshotAt, string RateBps, string MarkPrice, string IndexPrice);

/// <summary>For the tests' WebApplicationFactory.</summary>
public partial class Program;
