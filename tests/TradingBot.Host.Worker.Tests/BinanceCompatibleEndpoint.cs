using TradingBot.TestBinance;

namespace TradingBot.Host.Worker.Tests;

/// <summary>With Exchange__Kind=Binance and the Binance settings, the same worker trades against a Binance-compatible endpoint.</summary>
[TestFixture]
public sealed class BinanceCompatibleEndpoint
{
    private string _folder = null!;
    private FakeBinanceServer _binance = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _folder = Directory.CreateTempSubdirectory("tradingbot-binance-worker-").FullName;
        _binance = await FakeBinanceServer.StartAsync();
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _binance.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private Dictionary<string, string> BinanceEnvironment() => new()
    {
        ["Exchange__Kind"] = "Binance",
        ["Exchange__Binance__BaseUrl"] = _binance.BaseUrl,
        ["Exchange__Binance__ApiKey"] = FakeBinanceServer.ApiKey,
        ["Exchange__Binance__ApiSecret"] = FakeBinanceServer.ApiSecret,
        ["Worker__PollInterval"] = "00:00:00.500",
    };

    [Test]
    public async Task A_symbol_binance_does_not_list_stops_the_worker_before_any_decision_naming_it()
    {
        var environment = BinanceEnvironment();
        environment["Strategy__Symbols__1"] = "DOGEUSDT";

        using var worker = RunningWorker.Start(_folder, environment, "run");
        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(90));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(2), worker.Output);
            Assert.That(worker.Output, Does.Contain("Configuration error: Strategy:Symbols lists DOGEUSDT, which BINANCE does not list"));
            Assert.That(_binance.RequestsTo("POST /fapi/v1/order"), Is.Empty);
        }
    }

    [Test]
    public async Task The_worker_trades_on_binance_with_only_the_exchange_settings_changed()
    {
        var environment = TestSettings.OneShortPerSymbolOnBinance(_binance.BaseUrl);
        var probe = LedgerProbe.Sqlite(_folder);
        using var worker = RunningWorker.Start(_folder, environment, "run");
        await probe.WaitForFillsAsync(2, TimeSpan.FromSeconds(90), () => worker.Output);
        await worker.WaitForOutputAsync("Reconciled with the exchange: 0 difference(s)", TimeSpan.FromSeconds(60));

        var exitCode = await worker.StopAsync(TimeSpan.FromSeconds(60));
        var verify = await WorkerProcess.RunAsync(_folder, environment, TimeSpan.FromMinutes(1), "verify");
        var fillIds = await probe.StringsAsync("SELECT exchange_fill_id FROM fills");
        var exchanges = await probe.StringsAsync("SELECT DISTINCT exchange FROM orders");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, worker.Output);
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
            Assert.That(exchanges, Is.EquivalentTo(["BINANCE"]));
            Assert.That(fillIds, Has.All.StartsWith("BINANCE:"));
            Assert.That(_binance.RequestsTo("POST /fapi/v1/order"), Has.Count.EqualTo(2), "one order per symbol, never sent twice");
            Assert.That(worker.Output, Does.Not.Contain(FakeBinanceServer.ApiSecret).And.Not.Contain(FakeBinanceServer.ApiKey));
        }
    }
}
