using Microsoft.Data.Sqlite;

namespace TradingBot.Host.Worker.Tests;

/// <summary>
/// What a tired operator does at 3 a.m. fails safe: a mistyped verb starts nothing, a verb run from another folder finds
/// the same ledger and a read-only verb never creates one, and one database file has one active worker however it is named.
/// </summary>
[TestFixture]
public sealed class OperatorMistakes
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly string[] Elsewhere = ["cron", "systemd", "shell"];
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("tradingbot-operator-").FullName;

    [TearDown]
    public void RemoveFolder()
    {
        Directory.Delete(_folder, recursive: true);
    }

    private static Dictionary<string, string> Fast() => new()
    {
        ["Exchange__Paper__Speed"] = "3000",
        ["Worker__PollInterval"] = "00:00:00.300",
        ["Strategy__EntryFundingRateBps"] = "-100",
        ["Strategy__ExitFundingRateBps"] = "-101",
    };

    [TestCase("veirfy")]
    [TestCase("copy-leger")]
    [TestCase("verify", "extra")]
    [TestCase("run", "--Worker:PollInterval")]
    [TestCase("Ledger:Provider=Postgres")]
    public async Task A_mistyped_verb_or_a_stray_argument_is_an_error_that_lists_the_verbs_and_starts_nothing(params string[] arguments)
    {
        var result = await WorkerProcess.RunAsync(_folder, new Dictionary<string, string>(), Patience, arguments);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Output + result.Error);
            Assert.That(result.Error, Does.Contain("Usage error: Unrecognized command or argument").And.Contain("The verbs are run (the default), migrate, verify, report, adopt-position, copy-ledger, backup, restore and prune"));
            Assert.That(result.Output, Does.Not.Contain("is active"));
            Assert.That(Directory.EnumerateFileSystemEntries(_folder).Select(Path.GetFileName), Is.EqualTo((string[])["appsettings.json"]), "nothing was opened or created");
        }
    }

    [Test]
    public async Task A_setting_on_the_command_line_still_works_in_the_documented_form()
    {
        var result = await WorkerProcess.RunAsync(_folder, new Dictionary<string, string>(), Patience, "migrate", "--ConnectionStrings:Ledger=Data Source=data/other.db");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.Zero, result.Output + result.Error);
            Assert.That(File.Exists(Path.Combine(_folder, "data", "other.db")), Is.True);
        }
    }

    [Test]
    public async Task Run_verify_and_report_started_from_other_folders_use_the_one_ledger_beside_the_settings()
    {
        var app = Directory.CreateDirectory(Path.Combine(_folder, "app")).FullName;
        File.Copy(WorkerProcess.WorkerSettings, Path.Combine(app, "appsettings.json"));
        var environment = new Dictionary<string, string>(Fast()) { ["DOTNET_CONTENTROOT"] = app };
        var elsewhere = Elsewhere.Select(n => Directory.CreateDirectory(Path.Combine(_folder, n)).FullName).ToArray();
        var probe = LedgerProbe.Sqlite(app);

        using (var worker = RunningWorker.Start(elsewhere[0], environment, "run"))
        {
            await probe.WaitForFillsAsync(2, Patience, () => worker.Output);
            Assert.That(await worker.StopAsync(Patience), Is.Zero, worker.Output);
            Assert.That(worker.Output, Does.Contain($"Ledger: SQLite (Data Source={Path.Combine(app, "data", "ledger.db")}"), "the start-up names the absolute path");
        }

        var verify = await WorkerProcess.RunAsync(elsewhere[1], environment, Patience, "verify");
        var report = await WorkerProcess.RunAsync(elsewhere[2], environment, Patience, "report");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
            Assert.That(verify.Output, Does.Contain("Checked 2 orders").Or.Contain("orders, ").And.Not.Contain("Checked 0 orders"));
            Assert.That(report.ExitCode, Is.Zero, report.Output + report.Error);
            Assert.That(report.Output, Does.Contain("BTCUSDT").And.Contain("ETHUSDT"));
            Assert.That(elsewhere.SelectMany(Directory.EnumerateFileSystemEntries), Is.Empty, "no ledger or state was made where the verbs were started");
        }
    }

    [TestCase("verify")]
    [TestCase("report")]
    public async Task A_read_only_verb_without_a_ledger_says_where_it_looked_and_creates_nothing(string verb)
    {
        var result = await WorkerProcess.RunAsync(_folder, new Dictionary<string, string>(), Patience, verb);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(6), result.Output + result.Error);
            Assert.That(result.Error, Does.Contain($"no ledger at {Path.Combine(_folder, "data", "ledger.db")}"));
            Assert.That(Directory.EnumerateFileSystemEntries(_folder).Select(Path.GetFileName), Is.EqualTo((string[])["appsettings.json"]), "no file or folder was created");
        }
    }

    [Test]
    public async Task A_read_only_verb_on_a_ledger_with_no_schema_says_so_and_migrates_nothing()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "data"));
        await using (var empty = new SqliteConnection($"Data Source={Path.Combine(_folder, "data", "ledger.db")};Pooling=False"))
        {
            await empty.OpenAsync();
            await using var command = empty.CreateCommand();
            command.CommandText = "CREATE TABLE unrelated (x INTEGER)";
            await command.ExecuteNonQueryAsync();
        }

        var result = await WorkerProcess.RunAsync(_folder, new Dictionary<string, string>(), Patience, "verify");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(6), result.Output + result.Error);
            Assert.That(result.Error, Does.Contain("the database has no ledger schema"));
        }
    }

    [TestCase("Data Source=file:data/ledger.db")]
    [TestCase("Data Source=./data/../data/ledger.db")]
    [TestCase("Data Source=link/ledger.db")]
    public async Task Two_workers_on_one_database_file_named_two_ways_are_one_active_and_one_standby(string otherSpelling)
    {
        Directory.CreateDirectory(Path.Combine(_folder, "data"));
        Directory.CreateSymbolicLink(Path.Combine(_folder, "link"), Path.Combine(_folder, "data"));
        using var first = RunningWorker.Start(_folder, Fast(), "run");
        await first.WaitForOutputAsync("is active", Patience);
        var other = new Dictionary<string, string>(Fast()) { ["ConnectionStrings__Ledger"] = otherSpelling };

        using var second = RunningWorker.Start(_folder, other, "run");
        await second.WaitForOutputAsync("is standby", Patience);
        var migrate = await WorkerProcess.RunAsync(_folder, other, Patience, "migrate");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.Output, Does.Not.Contain("is active"));
            Assert.That(migrate.ExitCode, Is.EqualTo(3), migrate.Output + migrate.Error);
            Assert.That(migrate.Error, Does.Contain("Another worker holds this ledger"));
            Assert.That(Directory.Exists(Path.Combine(_folder, "file:data")), Is.False, "a file: URI is not a folder name");
        }
    }
}
