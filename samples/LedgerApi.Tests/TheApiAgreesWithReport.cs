using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Application.Funding;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence;

namespace LedgerApi.Tests;

/// <summary>
/// A host built only from the packages: it trades on a SQLite ledger through them, then its read-only API must give the
/// same positions, PnL per day and funding series as the worker's own <c>report</c> on the same ledger
/// (TRADINGBOT_WORKER names the worker's dll; .ci/run sets it).
/// </summary>
public sealed class TheApiAgreesWithReport
{
    private static readonly ExchangeName Paper = new("PAPER");
    private static readonly Symbol BtcUsdt = new("BTCUSDT");
    private string _folder = null!;
    private string _ledger = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("tradingbot-sample-").FullName;
        _ledger = Path.Combine(_folder, "ledger.db");
    }

    [TearDown]
    public void RemoveFolder()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Positions_pnl_per_day_and_funding_equal_the_reports()
    {
        await TradeAsync();
        var report = await ReportAsync();
        await using var api = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web.UseSetting("ConnectionStrings:Ledger", $"Data Source={_ledger}"));
        using var client = api.CreateClient();

        var positions = await client.GetFromJsonAsync<List<Position>>("/positions");
        var days = await client.GetFromJsonAsync<List<DailyPnl>>("/pnl/daily/PAPER");
        var funding = await client.GetFromJsonAsync<List<Funding>>("/funding/PAPER/BTCUSDT");

        var position = positions!.Single();
        var reported = Row(report, "PAPER", "BTCUSDT", columns: 9);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(position.Fills, Is.GreaterThanOrEqualTo(3), "three market orders, filled in one or more fills each");
            Assert.That(
                new[] { position.NetQuantity, position.AverageEntryPrice ?? "-", position.RealizedPnl, position.Fees, position.Funding, position.NetRealized, position.Fills.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                Is.EqualTo(reported[2..]),
                "the Positions table of report");
            Assert.That(days!.Select(d => new[] { d.Day, "PAPER", d.Symbol, d.Trading, d.Fees, d.Funding, d.Net }), Is.EqualTo(Rows(report, 7).Where(r => r[0].Length == 10 && r[0][4] == '-')), "the PnL per day table of report");
            Assert.That(funding!, Has.Count.EqualTo(5));
            Assert.That(report, Does.Contain($"{funding!.Count} snapshot(s)"), "report counts the same 24 hours of funding");
            Assert.That(funding.Select(f => f.RateBps), Is.EqualTo(new[] { "3", "2.5", "2", "1.5", "1" }), "newest first, the latest included");
        }
    }

    // Three market orders on the paper exchange and five funding snapshots, through the packages' own registrations.
    private async Task TradeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ledger"] = $"Data Source={_ledger}",
            ["Exchange:Paper:Speed"] = "1",
        }).Build();
        var services = new ServiceCollection().AddLogging()
            .AddTradingBotLedger(configuration, contentRoot: _folder)
            .AddTradingBotApplication(configuration)
            .AddTradingBotExchange(configuration, _folder);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<LedgerMigrator>().MigrateAsync(CancellationToken.None);
        var lease = provider.GetRequiredService<ILedgerLease>();
        Assert.That(await lease.TryAcquireAsync(CancellationToken.None), Is.True);
        var placeOrder = provider.GetRequiredService<PlaceOrder>();
        var now = DateTimeOffset.UtcNow;
        foreach (var (leg, side, quantity) in new[] { ("open", Side.Buy, "0.02"), ("trim", Side.Sell, "0.005"), ("close", Side.Sell, "0.015") })
        {
            var intent = new TradingIntent("sample", Paper, BtcUsdt, now, leg);
            var outcome = await placeOrder.ExecuteAsync(new PlaceOrderCommand(intent, side, OrderType.Market, Quantity.Parse(quantity), null, "sample"), CancellationToken.None);
            Assert.That(outcome, Is.TypeOf<PlaceOrderOutcome.Placed>(), outcome.ToString());
        }

        var record = provider.GetRequiredService<RecordFundingSnapshot>();
        string[] rates = ["1", "1.5", "2", "2.5", "3"];
        for (var i = 0; i < rates.Length; i++)
        {
            await record.ExecuteAsync(new FundingSnapshot(Paper, BtcUsdt, FundingRate.ParseBasisPoints(rates[i]), Price.Parse("64000"), Price.Parse("63990"), now.AddHours(i - 4)), CancellationToken.None);
        }

        await lease.ReleaseAsync();
    }

    private async Task<string> ReportAsync()
    {
        var worker = Environment.GetEnvironmentVariable("TRADINGBOT_WORKER");
        Assert.That(worker, Is.Not.Null.And.Not.Empty, "TRADINGBOT_WORKER must name the worker's TradingBot.Host.Worker.dll: .ci/run sets it");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(worker!);
        start.ArgumentList.Add("report");
        start.Environment["ConnectionStrings__Ledger"] = $"Data Source={_ledger}";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, await output + await error);
        return await output;
    }

    // The cells of each table row of report (Spectre's box characters) with this many columns.
    private static IEnumerable<string[]> Rows(string report, int columns) =>
        report.Split('\n')
            .Select(line => line.Split('│'))
            .Where(cells => cells.Length == columns + 2)
            .Select(cells => cells[1..^1].Select(c => c.Trim()).ToArray());

    private static string[] Row(string report, string exchange, string symbol, int columns) =>
        Rows(report, columns).Single(r => r[0] == exchange && r[1] == symbol);

    private sealed record Position(string Exchange, string Symbol, string NetQuantity, string? AverageEntryPrice, string RealizedPnl, string Fees, string Funding, string NetRealized, long Fills);

    private sealed record DailyPnl(string Day, string Symbol, string Trading, string Fees, string Funding, string Net);

    private sealed record Funding(DateTimeOffset SnapshotAt, string RateBps, string MarkPrice, string IndexPrice);
}
