using System.Globalization;
using TradingBot.Infrastructure.Persistence.Retention;

namespace TradingBot.Host.Worker.Tests;

/// <summary>
/// prune as an operator runs it from cron: while the worker trades, old snapshots and audit events go into a checked
/// archive and out of the ledger, the worker goes on trading, and verify holds; a prune asked wrongly starts nothing.
/// </summary>
[TestFixture]
public sealed class PruneWhileTrading
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("tradingbot-prune-").FullName;

    [TearDown]
    public void RemoveFolder()
    {
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Prune_during_trading_archives_exactly_what_leaves_and_the_worker_trades_on()
    {
        var environment = new Dictionary<string, string>
        {
            ["Exchange__Paper__Speed"] = "3000",
            ["Worker__PollInterval"] = "00:00:00.300",
            ["Strategy__EntryFundingRateBps"] = "-100",
            ["Strategy__ExitFundingRateBps"] = "-101",
            ["Retention__FundingSnapshots"] = "00:00:00",
            ["Retention__StateSnapshots"] = "00:00:00",
            ["Retention__AuditLog"] = "00:00:00",
            ["Worker__FundingSnapshotInterval"] = "00:00:00", // every cycle: the rows this test prunes and then sees grow again
            ["Worker__StateSnapshotInterval"] = "00:00:00",
        };
        var probe = LedgerProbe.Sqlite(_folder);
        var archive = Path.Combine(_folder, "old.jsonl.gz");
        using var worker = RunningWorker.Start(_folder, environment, "run");
        await probe.WaitForFillsAsync(2, Patience, () => worker.Output);
        var before = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

        var dry = await WorkerProcess.RunAsync(_folder, environment, Patience, "prune", "--before", before, "--dry-run");
        var prune = await WorkerProcess.RunAsync(_folder, environment, Patience, "prune", "--before", before, "--archive", archive);
        var snapshotsAtPrune = await probe.CountAsync("SELECT COUNT(*) FROM funding_snapshots");
        await probe.WaitForCountAtLeastAsync("SELECT COUNT(*) FROM funding_snapshots", snapshotsAtPrune + 4, Patience, () => worker.Output); // the worker goes on
        var fills = await probe.CountAsync("SELECT COUNT(*) FROM fills");
        Assert.That(await worker.StopAsync(Patience), Is.Zero, worker.Output);
        var verify = await WorkerProcess.RunAsync(_folder, environment, Patience, "verify");

        var archived = await LedgerPruner.ReadArchiveAsync(archive, CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dry.ExitCode, Is.Zero, dry.Output + dry.Error);
            Assert.That(dry.Output, Does.Contain("would go; nothing was written or deleted"));
            Assert.That(prune.ExitCode, Is.Zero, prune.Output + prune.Error);
            Assert.That(prune.Output, Does.Contain($"archived to {archive} (read back and checked"));
            Assert.That(archived.Single(t => t.Table == "state_snapshots").Rows, Is.GreaterThan(0), "the start-up reconciliation's snapshot is in the archive");
            Assert.That(archived.Single(t => t.Table == "audit_log").Rows, Is.GreaterThan(0));
            Assert.That(fills, Is.GreaterThanOrEqualTo(2), "fills are never pruned");
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
        }

        // No state snapshot from before the cut-off is left in the ledger. (The paper exchange stamps funding snapshots with
        // its own, faster clock, so they are all after the cut-off here.)
        var oldest = await probe.StringsAsync("SELECT MIN(reconciled_at) FROM state_snapshots");
        Assert.That(string.CompareOrdinal(oldest.Single(), before.Replace('T', ' ').TrimEnd('Z')), Is.GreaterThanOrEqualTo(0), $"oldest {oldest.Single()}, cut-off {before}");
    }

    [TestCase("", "Option '--before' is required")]
    [TestCase("2999-01-01", "is in the future")]
    [TestCase("yesterday", "give a UTC date such as 2026-06-01")]
    [TestCase("2026-06-01T12:00:00", "give a UTC date such as 2026-06-01")]
    [TestCase("2026-06-01", "prune needs --archive FILE")]
    public async Task A_prune_asked_wrongly_says_what_is_wrong_and_touches_nothing(string before, string message)
    {
        string[] arguments = before.Length == 0 ? ["prune", "--dry-run"] : ["prune", "--before", before];

        var result = await WorkerProcess.RunAsync(_folder, new Dictionary<string, string>(), Patience, arguments);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Output + result.Error);
            Assert.That(result.Error, Does.Contain(message));
            Assert.That(Directory.EnumerateFileSystemEntries(_folder).Select(Path.GetFileName), Is.EqualTo((string[])["appsettings.json"]), "nothing was opened or created");
        }
    }
}
