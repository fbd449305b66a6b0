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
        yield return new TestCaseData(new Dictionary<string, string> { ["Ledger__Provider"] = "Postgres", ["ConnectionStrings__Ledger"] = "Host=127.0.0.1;Port=6432;Database=ledger", ["Ledger__Pooler"] = "Transaction" }, "ConnectionStrings:LedgerDirect").SetName("pooler without a direct connection");
        yield return new TestCaseData(new Dictionary<string, string> { ["Ledger__Provider"] = "Postgres", ["ConnectionStrings__Ledger"] = "Host=127.0.0.1;Port=6432;Database=ledger;Max Auto Prepare=32", ["Ledger__Pooler"] = "Transaction", ["ConnectionStrings__LedgerDirect"] = "Host=127.0.0.1;Database=ledger" }, "Max Auto Prepare").SetName("prepared statements behind a pooler");
        yield return new TestCaseData(new Dictionary<string, string> { ["Ledger__Provider"] = "Postgres", ["ConnectionStrings__Ledger"] = "Host=127.0.0.1;Database=ledger", ["Ledger__Pooler"] = "Session" }, "Ledger:Pooler").SetName("unknown pooler mode");
        yield return new TestCaseData(new Dictionary<string, string> { ["Ledger__Pooler"] = "Transaction" }, "Ledger:Pooler").SetName("pooler on sqlite");
        yield return new TestCaseData(new Dictionary<string, string> { ["Ledger__Partitioning"] = "Monthly" }, "Ledger:Partitioning is Monthly, which is for a Postgres ledger").SetName("partitioning on sqlite");
        yield return new TestCaseData(new Dictionary<string, string> { ["Ledger__Provider"] = "Postgres", ["ConnectionStrings__Ledger"] = "Host=127.0.0.1;Database=ledger", ["Ledger__Partitioning"] = "Weekly" }, "Ledger:Partitioning is 'Weekly'; expected None or Monthly").SetName("unknown partitioning");
        yield return new TestCaseData(new Dictionary<string, string> { ["Exchange__Kind"] = "1" }, "Exchange:Kind").SetName("exchange kind given as a number");
        yield return new TestCaseData(new Dictionary<string, string> { ["Exchange__Paper__StatePath"] = "data/../data/ledger.db" }, "Exchange:Paper:StatePath").SetName("paper exchange state in the ledger's own file");
        yield return new TestCaseData(new Dictionary<string, string> { ["Exchange__Paper__MaxTradesPerMarketOrder"] = "0" }, "Exchange:Paper:MaxTradesPerMarketOrder is 0; expected 1 to 1000").SetName("paper market orders in no trades");
    }

    public static IEnumerable<TestCaseData> ExactMessages()
    {
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__PollInterval"] = "2" },
            "Configuration error: Worker:PollInterval is '2'; write a time span as hh:mm:ss such as 00:00:02 (a bare number would be read as days)").SetName("poll interval as a bare number");
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__PollInterval"] = "60.00:00:00" },
            "Configuration error: Worker:PollInterval is 60.00:00:00; it must be from 00:00:00.1000000 to 01:00:00").SetName("poll interval beyond what a timer can wait");
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__ReconcileInterval"] = "00:00:00.5" },
            "Configuration error: Worker:ReconcileInterval is 00:00:00.5000000; it must be from 00:00:01 to 1.00:00:00").SetName("reconcile interval too short");
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__FundingSnapshotInterval"] = "-00:01:00" },
            "Configuration error: Worker:FundingSnapshotInterval is -00:01:00; it must be from 00:00:00 to 08:00:00").SetName("negative funding snapshot interval");
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__FundingSnapshotIntervall"] = "00:01:00" },
            "Configuration error: Worker:FundingSnapshotIntervall is not a setting of this worker; did you mean Worker:FundingSnapshotInterval?").SetName("misspelt funding snapshot interval");
        yield return new TestCaseData(new Dictionary<string, string> { ["Exchange__VisibilityMargin"] = "30" },
            "Configuration error: Exchange:VisibilityMargin is '30'; write a time span as hh:mm:ss such as 00:00:30 (a bare number would be read as days)").SetName("visibility margin as a bare number");
        yield return new TestCaseData(new Dictionary<string, string> { ["Strategy__OrderQty"] = "0.5" },
            "Configuration error: Strategy:OrderQty is not a setting of this worker; did you mean Strategy:OrderQuantity?").SetName("misspelt order quantity");
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__PolInterval"] = "00:00:05" },
            "Configuration error: Worker:PolInterval is not a setting of this worker; did you mean Worker:PollInterval?").SetName("misspelt poll interval");
        yield return new TestCaseData(new Dictionary<string, string> { ["Exchange__Binance__ApiSecrets"] = "x" },
            "Configuration error: Exchange:Binance:ApiSecrets is not a setting of this worker; did you mean Exchange:Binance:ApiSecret?").SetName("misspelt Binance secret");
        yield return new TestCaseData(new Dictionary<string, string> { ["Strategy__Symbols__2"] = "btcusdt" },
            "Configuration error: Strategy:Symbols lists BTCUSDT 2 times; list each symbol once").SetName("duplicate symbol");
        yield return new TestCaseData(new Dictionary<string, string> { ["Retention__AuditLog"] = "90" },
            "Configuration error: Retention:AuditLog is '90'; write a time span as hh:mm:ss such as 90.00:00:00 (a bare number would be read as days)").SetName("audit retention as a bare number");
        yield return new TestCaseData(new Dictionary<string, string> { ["Retention__FundingSnapshot"] = "7.00:00:00" },
            "Configuration error: Retention:FundingSnapshot is not a setting of this worker; did you mean Retention:FundingSnapshots?").SetName("misspelt retention table");
        yield return new TestCaseData(new Dictionary<string, string> { ["ConnectionStrings__Ledger"] = "Data Source=:memory:" },
            "Configuration error: ConnectionStrings:Ledger is not usable for Sqlite: the SQLite ledger must be a file: an in-memory database (':memory:', 'Mode=Memory') forgets every order and position when the process ends (Parameter 'connectionString')").SetName("in-memory ledger");
        yield return new TestCaseData(new Dictionary<string, string> { ["ConnectionStrings__Ledger"] = "Data Source=ledger;Mode=Memory" },
            "Configuration error: ConnectionStrings:Ledger is not usable for Sqlite: the SQLite ledger must be a file: an in-memory database (':memory:', 'Mode=Memory') forgets every order and position when the process ends (Parameter 'connectionString')").SetName("in-memory mode");
        yield return new TestCaseData(new Dictionary<string, string> { ["ConnectionStrings__Ledger"] = "Data Source=file:data/ledger.db?nolock=1" },
            "Configuration error: ConnectionStrings:Ledger is not usable for Sqlite: the SQLite ledger file 'file:data/ledger.db?nolock=1' is a URI with parameters; name the file alone (e.g. 'Data Source=data/ledger.db') (Parameter 'dataSource')").SetName("URI with parameters");
        yield return new TestCaseData(new Dictionary<string, string> { ["Alerts__WebhookUrl"] = "api.telegram.org/bot123456:CANARY-TOKEN/sendMessage" },
            "Configuration error: Alerts:WebhookUrl is not an absolute http or https URL (its value is not shown: it may hold a token).").SetName("webhook without a scheme, not echoed");
        yield return new TestCaseData(new Dictionary<string, string> { ["Alerts__WebhookUrl"] = "https://api.telegram.org/bot123456:CANARY-TOKEN/sendMessage", ["Alerts__Format"] = "Telegram" },
            "Configuration error: Alerts:Format is Telegram, so Alerts:TelegramChatId is required (the chat the bot posts to).").SetName("telegram without a chat");
        yield return new TestCaseData(new Dictionary<string, string> { ["Alerts__Format"] = "Slack", ["Alerts__WebhookUrl"] = "https://hooks.example.com/CANARY-TOKEN" },
            "Configuration error: Alerts:Format is 'Slack'; expected Json or Telegram.").SetName("unknown alert format");
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__HealthUrl"] = "http://127.0.0.1:8080/healthz" },
            "Configuration error: Worker:HealthUrl is 'http://127.0.0.1:8080/healthz'; give the address only (such as http://127.0.0.1:8080): the endpoints are /health/live and /health/ready on it.").SetName("health url with a path");
        yield return new TestCaseData(new Dictionary<string, string> { ["Telemetry__OtlpHeaders"] = "Authorization=Bearer CANARY-TOKEN" },
            "Configuration error: Telemetry:OtlpHeaders is set but Telemetry:OtlpEndpoint is not; set the endpoint to export, or remove the headers.").SetName("exporter headers without an endpoint");
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__HealthUrl"] = "https://127.0.0.1:8443" },
            "Configuration error: Worker:HealthUrl is 'https://127.0.0.1:8443/'; the health endpoint serves plain http (it has no certificate): bind it to a private address such as http://127.0.0.1:8080.").SetName("health url over https");
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__HealthUrl"] = "http://127.0.0.1:8080", ["Worker__HealthTimeout"] = "00:01:00" },
            "Configuration error: Worker:HealthTimeout is 00:01:00; it must be at least three times the longest wait between two turns of the loop (Worker:PollInterval, Worker:MaxBackoff: 00:00:30), or liveness would fail between healthy turns.").SetName("health timeout shorter than the loop's longest wait");
        yield return new TestCaseData(new Dictionary<string, string> { ["Worker__HealthTimeout"] = "00:00:01" },
            "Configuration error: Worker:HealthTimeout is 00:00:01; it must be from 00:00:05 to 1.00:00:00").SetName("health timeout too short");
    }

    [TestCaseSource(nameof(ExactMessages))]
    public async Task The_host_stops_with_this_exact_message_before_opening_anything(Dictionary<string, string> environment, string message)
    {
        var result = await WorkerProcess.RunAsync(_folder, environment, TimeSpan.FromMinutes(1), "run");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Output + result.Error);
            Assert.That(result.Error.Split(System.Environment.NewLine, StringSplitOptions.RemoveEmptyEntries), Does.Contain(message));
            Assert.That(result.Output + result.Error, Does.Not.Contain("CANARY"), "a webhook URL or an exporter header is never shown");
            Assert.That(Directory.EnumerateFileSystemEntries(_folder).Select(Path.GetFileName), Is.EqualTo((string[])["appsettings.json"]), "nothing is written");
        }
    }

    [TestCaseSource(nameof(WrongValues))]
    public async Task The_host_stops_with_a_clear_message_and_writes_nothing(Dictionary<string, string> environment, string setting)
    {
        var result = await WorkerProcess.RunAsync(_folder, environment, TimeSpan.FromMinutes(1), "run");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Output + result.Error);
            Assert.That(result.Error, Does.Contain("Configuration error").And.Contain(setting));
            Assert.That(Directory.EnumerateFileSystemEntries(_folder).Select(Path.GetFileName), Is.EqualTo((string[])["appsettings.json"]), "nothing is written");
            Assert.That(result.Output + result.Error, Does.Not.Contain("key-without-secret"), "keys never appear in messages");
        }
    }
}
