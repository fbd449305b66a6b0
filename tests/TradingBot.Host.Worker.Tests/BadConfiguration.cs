namespace TradingBot.Host.Worker.Tests;

/// <summary>A wrong configuration value stops the host with a message naming it, and nothing is written.</summary>
[TestFixture]
public sealed class BadConfiguration
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("tradingbot-config-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    public static IEnumerable<TestCaseData> WrongValues()
    {
        yield return new TestCaseData(new Dictionary<string, string> { ["Ledger__Provider"] = "Oracle" }, "Ledger:Provider").SetName("unknown provider");
        yield return new TestCaseData(new Dictionary<string, string> { ["Strategy__OrderQuantity"] = "-0.01" }, "Strategy:OrderQuantity").SetName("negative quantity");
        yield return new TestCaseData(new Dictionary<string, string> { ["Strategy__OrderQuantity"] = "0.000000001" }, "Strategy:OrderQuantity").SetName("quantity with more than 8 decimals");
        yield return new TestCaseData(new Dictionary<string, string> { ["Exchange__Kind"] = "Binance", ["Exchange__Binance__ApiKey"] = "key-without-secret" }, "Exchange:Binance:ApiSecret").SetName("missing Binance API secret");
        yield return new TestCaseData(new Dictionary<string, string> { ["Strategy__EntryFundingRateBps"] = "0.5", ["Strategy__ExitFundingRateBps"] = "1" }, "Strategy:EntryFundingRateBps").SetName("entry threshold below exit");
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__PollInterval"] = "-00:00:01" }, "Worker:PollInterval").SetName("negative poll interval");
        yield return new TestCaseData(new Dictionary<string, string> { ["Exchange__Kind"] = "Kraken" }, "Exchange:Kind").SetName("unknown exchange");
        yield return new TestCaseData(new Dictionary<string, string> { ["Exchange__Kind"] = "1" }, "Exchange:Kind").SetName("exchange kind given as a number");
    }

    [TestCaseSource(nameof(WrongValues))]
    public async Task The_host_stops_with_a_clear_message_and_writes_nothing(Dictionary<string, string> environment, string setting)
    {
        var result = await WorkerProcess.RunAsync(_folder, environment, TimeSpan.FromMinutes(1), "run");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Output + result.Error);
            Assert.That(result.Error, Does.Contain("Configuration error").And.Contain(setting));
            Assert.That(Directory.EnumerateFileSystemEntries(_folder), Is.Empty, "nothing is written");
            Assert.That(result.Output + result.Error, Does.Not.Contain("key-without-secret"), "keys never appear in messages");
        }
    }
}
