using Microsoft.Data.Sqlite;
using TradingBot.TestBinance;

namespace TradingBot.Host.Worker.Tests;

/// <summary>
/// Switching a running bot from SQLite to Postgres the way a user does it, with the real worker process and copy-ledger:
/// stop the worker, copy the ledger, switch the two settings, start again.
/// </summary>
[TestFixture]
public sealed class CopyLedgerSwitch
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly string[] Partitioned = ["p", "p"];

    private string _folder = null!;
    private string _database = null!;
    private string _postgres = null!;

    [SetUp]
    public async Task CreateAsync()
    {
        _folder = Directory.CreateTempSubdirectory("tradingbot-copy-").FullName;
        _database = $"copy_{Guid.NewGuid():N}";
        _postgres = await TestServers.Postgres.CreateDatabaseAsync(_database);
    }

    [TearDown]
    public async Task RemoveAsync()
    {
        await TestServers.Postgres.DropDatabaseAsync(_database);
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task A_worker_stopped_on_sqlite_carries_on_on_postgres_after_copy_ledger_and_the_old_configuration_is_refused()
    {
        await using var binance = await FakeBinanceServer.StartAsync();
        var sqlite = TestSettings.OneShortPerSymbolOnBinance(binance.BaseUrl);
        var onSqlite = LedgerProbe.Sqlite(_folder);
        using (var worker = RunningWorker.Start(_folder, sqlite, "run"))
        {
            await onSqlite.WaitForFillsAsync(2, Patience, () => worker.Output);
            await worker.WaitForOutputAsync("Reconciled with the exchange: 0 difference(s)", Patience);
            Assert.That(await worker.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, worker.Output);
        }

        var fillsOnSqlite = await onSqlite.StringsAsync("SELECT exchange_fill_id FROM fills");

        // An event from long before: its month has no partition on the target until the copy makes it.
        var old = DateTimeOffset.UtcNow.AddMonths(-14);
        await using (var write = new SqliteConnection($"Data Source={Path.Combine(_folder, "data", "ledger.db")};Pooling=False"))
        {
            await write.OpenAsync();
            await using var insert = write.CreateCommand();
            insert.CommandText = $"INSERT INTO audit_log (id, event_type, event_data, created_at) VALUES ('{Guid.NewGuid()}', 'ERROR', '{{\"problem\":\"an old one\"}}', '{TradingBot.Infrastructure.Sqlite.SqliteLedgerDialect.ToText(old)}')";
            await insert.ExecuteNonQueryAsync();
        }

        // The password stays out of the process list: the target comes from the environment.
        const string Canary = "c4n4ry-copy"; // the local cluster trusts loopback, so any password will do
        var copyEnvironment = new Dictionary<string, string>(sqlite) { ["ConnectionStrings__CopyTarget"] = $"{_postgres};Password={Canary}" };
        // Into a Postgres whose time series are partitioned by month, as a bot that will run for years would choose.
        var copy = await WorkerProcess.RunAsync(_folder, copyEnvironment, TimeSpan.FromMinutes(2), "copy-ledger", "--to-provider", "Postgres", "--to-partitioning", "Monthly");
        var again = await WorkerProcess.RunAsync(_folder, sqlite, TimeSpan.FromMinutes(1), "run");

        var onPostgres = LedgerProbe.Postgres(_postgres, _folder);
        var postgres = new Dictionary<string, string>(sqlite)
        {
            ["Ledger__Provider"] = "Postgres",
            ["ConnectionStrings__Ledger"] = _postgres,
            // Now every short is closed, and none is opened again.
            ["Strategy__EntryFundingRateBps"] = "1000",
            ["Strategy__ExitFundingRateBps"] = "999",
        };

        // The operator forgets Ledger:Partitioning: refused before anything is traded or written.
        var forgotten = await WorkerProcess.RunAsync(_folder, postgres, TimeSpan.FromMinutes(1), "run");
        postgres["Ledger__Partitioning"] = "Monthly";
        string switched;
        using (var worker = RunningWorker.Start(_folder, postgres, "run"))
        {
            await onPostgres.WaitForCountAsync("SELECT COUNT(*) FROM orders WHERE status = 'FILLED'", 4, Patience, () => worker.Output);
            await onPostgres.WaitForCountAsync("SELECT COUNT(*) FROM positions WHERE net_quantity_base <> 0", 0, Patience, () => worker.Output);
            await worker.WaitForCountAsync("Reconciled with the exchange: 0 difference(s)", worker.Count("Reconciled with the exchange: 0 difference(s)") + 1, Patience);
            Assert.That(await worker.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, worker.Output);
            switched = worker.Output;
        }

        var verify = await WorkerProcess.RunAsync(_folder, postgres, TimeSpan.FromMinutes(1), "verify", "--against-exchange");
        var sent = binance.RequestsTo("POST /fapi/v1/order");
        var keys = await onPostgres.StringsAsync("SELECT idempotency_key FROM orders ORDER BY created_at");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(copy.ExitCode, Is.Zero, copy.Output + copy.Error);
            Assert.That(copy.Output, Does.Contain("copy-ledger: OK").And.Contain("orders").And.Contain("2 rows"));
            Assert.That(copy.Output + copy.Error, Does.Not.Contain(Canary), "the target's password is never printed");
            Assert.That(copy.Output, Does.Contain("partitioned by month"));
            Assert.That(await onPostgres.StringsAsync("SELECT relkind::text FROM pg_class WHERE relname IN ('funding_snapshots', 'audit_log')"), Is.EqualTo(Partitioned));
            Assert.That(copy.Output, Does.Contain("1 row(s) moved into them from the default partition"));
            Assert.That(await onPostgres.CountAsync("SELECT COUNT(*) FROM audit_log_default"), Is.Zero, "every copied event is in its month");
            Assert.That(await onPostgres.CountAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SELECT COUNT(*) FROM audit_log_{old:yyyy_MM}")), Is.EqualTo(1), "the old event's month was made for it");
            Assert.That(forgotten.ExitCode, Is.EqualTo(2), forgotten.Output + forgotten.Error);
            Assert.That(forgotten.Output + forgotten.Error, Does.Contain("set Ledger:Partitioning=Monthly"));
            Assert.That(again.ExitCode, Is.EqualTo(7), again.Output + again.Error);
            Assert.That(again.Output, Does.Contain("was copied to Postgres").And.Contain(_database).And.Contain("--force").And.Not.Contain(Canary));
            Assert.That(switched, Does.Not.Contain("POSITION_DIFFERS"), "the positions came along");
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
            Assert.That(sent, Has.Count.EqualTo(4), "two opens on SQLite, two closes on Postgres: nothing sent twice");
            Assert.That(keys, Has.Count.EqualTo(4).And.Unique);
            Assert.That(await onPostgres.StringsAsync("SELECT exchange_fill_id FROM fills"), Is.SupersetOf(fillsOnSqlite), "every trade recorded on SQLite came along");
            Assert.That(await onPostgres.CountAsync("SELECT COUNT(*) FROM fills"), Is.GreaterThan(fillsOnSqlite.Count), "the closes' trades were added");
            Assert.That(await onPostgres.CountAsync("SELECT COUNT(*) FROM orders WHERE status = 'FILLED' AND filled_quantity_base = quantity_base"), Is.EqualTo(4), "every order's trades add up");
        }
    }

    [Test]
    public async Task A_copy_killed_at_a_seeded_moment_finishes_when_run_again_and_half_a_ledger_is_never_run()
    {
        var seed = TestSettings.Seed();
        var sqlite = new Dictionary<string, string>();
        Assert.That((await WorkerProcess.RunAsync(_folder, sqlite, TimeSpan.FromMinutes(1), "migrate")).ExitCode, Is.Zero);
        const int Snapshots = 80_000; // 16 chunks of 5,000: the kill lands inside the copy, never after its end
        await FundingSnapshotsAsync(Path.Combine(_folder, "data", "ledger.db"), Snapshots);
        var onPostgres = LedgerProbe.Postgres(_postgres, _folder);

        // A moment drawn from the seed, reached as a state: once the target holds this many snapshots.
        var killAt = 5_000 + new Random(seed).Next(Snapshots - 20_000);
        string killed;
        using (var copy = RunningWorker.Start(_folder, sqlite, "copy-ledger", "--to-provider", "Postgres", "--to", _postgres))
        {
            await onPostgres.WaitForCountAtLeastAsync("SELECT COUNT(*) FROM funding_snapshots", killAt, Patience, () => copy.Output);
            copy.Kill();
            killed = copy.Output;
        }

        var halfRun = await WorkerProcess.RunAsync(_folder, new Dictionary<string, string> { ["Ledger__Provider"] = "Postgres", ["ConnectionStrings__Ledger"] = _postgres }, TimeSpan.FromMinutes(1), "run");
        var halfCopied = await onPostgres.CountAsync("SELECT COUNT(*) FROM funding_snapshots");
        var resumed = await WorkerProcess.RunAsync(_folder, sqlite, TimeSpan.FromMinutes(3), "copy-ledger", "--to-provider", "Postgres", "--to", _postgres);
        var verifyOnly = await WorkerProcess.RunAsync(_folder, sqlite, TimeSpan.FromMinutes(2), "copy-ledger", "--to-provider", "Postgres", "--to", _postgres, "--verify-only");

        TestContext.Out.WriteLine(resumed.Output);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(halfCopied, Is.InRange(killAt, Snapshots - 1), killed);
            Assert.That(halfRun.ExitCode, Is.EqualTo(7), halfRun.Output + halfRun.Error);
            Assert.That(halfRun.Output, Does.Contain("is an unfinished copy of SQLite"));
            Assert.That(resumed.ExitCode, Is.Zero, resumed.Output + resumed.Error);
            Assert.That(resumed.Output, Does.Contain("Resumed an unfinished copy"));
            Assert.That(await onPostgres.CountAsync("SELECT COUNT(*) FROM funding_snapshots"), Is.EqualTo(Snapshots));
            Assert.That(verifyOnly.ExitCode, Is.Zero, verifyOnly.Output + verifyOnly.Error);
            Assert.That(verifyOnly.Output, Does.Contain("copy-ledger --verify-only: OK"));
        }
    }

    [Test]
    public async Task A_backup_taken_while_the_worker_trades_restores_into_postgres_with_the_same_checksums_and_passes_verify()
    {
        var paper = new Dictionary<string, string>
        {
            ["Exchange__Paper__Speed"] = "3000",
            ["Worker__PollInterval"] = "00:00:00.300",
            ["Strategy__EntryFundingRateBps"] = "2",
            ["Strategy__ExitFundingRateBps"] = "1",
        };
        var onSqlite = LedgerProbe.Sqlite(_folder);
        var file = Path.Combine(_folder, "backup.db");
        WorkerProcess.Result backup;
        using (var worker = RunningWorker.Start(_folder, paper, "run"))
        {
            await onSqlite.WaitForFillsAsync(2, Patience, () => worker.Output);
            backup = await WorkerProcess.RunAsync(_folder, paper, TimeSpan.FromMinutes(2), "backup", file);
            Assert.That(worker.HasExited, Is.False, "the worker trades on during the backup");
            Assert.That(await worker.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, worker.Output);
        }

        var postgres = new Dictionary<string, string>(paper) { ["Ledger__Provider"] = "Postgres", ["ConnectionStrings__Ledger"] = _postgres };
        var restore = await WorkerProcess.RunAsync(_folder, postgres, TimeSpan.FromMinutes(2), "restore", file);
        var again = await WorkerProcess.RunAsync(_folder, postgres, TimeSpan.FromMinutes(2), "restore", file);
        var verify = await WorkerProcess.RunAsync(_folder, postgres, TimeSpan.FromMinutes(1), "verify");
        var existing = await WorkerProcess.RunAsync(_folder, paper, TimeSpan.FromMinutes(1), "backup", file);

        static List<string> Digests(string output, string side) =>
            output.Split('\n').Where(l => l.Contains(" source ", StringComparison.Ordinal))
                .Select(l => System.Text.RegularExpressions.Regex.Match(l, $@"^(\S+)\s.*{side}\s+(\d+) rows ([0-9a-f]{{16}})").Groups)
                .Select(g => $"{g[1].Value} {g[2].Value} {g[3].Value}").ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(backup.ExitCode, Is.Zero, backup.Output + backup.Error);
            Assert.That(backup.Output, Does.Contain("backup: OK"));
            Assert.That(File.Exists(file) && !File.Exists(file + ".partial") && !File.Exists(file + "-wal"), Is.True, "one file, named once verified");
            Assert.That(restore.ExitCode, Is.Zero, restore.Output + restore.Error);
            Assert.That(Digests(restore.Output, "target"), Is.EqualTo(Digests(backup.Output, "target")).And.Exactly(TradingBot.Infrastructure.Persistence.Copy.LedgerDigest.RowTypes.Count).Items, "the restored ledger has the backup's checksums");
            Assert.That(again.ExitCode, Is.EqualTo(7), again.Output + again.Error);
            Assert.That(again.Error, Does.Contain("holds other data"));
            Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
            Assert.That(existing.ExitCode, Is.EqualTo(2));
            Assert.That(existing.Error, Does.Contain("exists; a backup never overwrites a file"));
        }
    }

    [Test]
    public async Task A_pg_dump_backup_taken_while_the_worker_trades_restores_into_an_empty_database_with_the_snapshot_checksums()
    {
        var onPostgres = new Dictionary<string, string>
        {
            ["Ledger__Provider"] = "Postgres",
            ["ConnectionStrings__Ledger"] = _postgres,
            ["Exchange__Paper__Speed"] = "3000",
            ["Worker__PollInterval"] = "00:00:00.300",
            ["Strategy__EntryFundingRateBps"] = "2",
            ["Strategy__ExitFundingRateBps"] = "1",
        };
        var file = Path.Combine(_folder, "ledger.pgdump");
        var empty = $"restored_{Guid.NewGuid():N}";
        var restoredDatabase = await TestServers.Postgres.CreateDatabaseAsync(empty);
        try
        {
            WorkerProcess.Result backup;
            using (var worker = RunningWorker.Start(_folder, onPostgres, "run"))
            {
                await LedgerProbe.Postgres(_postgres, _folder).WaitForFillsAsync(2, Patience, () => worker.Output);
                backup = await WorkerProcess.RunAsync(_folder, onPostgres, TimeSpan.FromMinutes(2), "backup", file, "--pg-dump");
                Assert.That(worker.HasExited, Is.False, "the worker trades on during the backup");
                Assert.That(await worker.StopAsync(TimeSpan.FromSeconds(60)), Is.Zero, worker.Output);
            }

            var into = new Dictionary<string, string>(onPostgres) { ["ConnectionStrings__Ledger"] = restoredDatabase };
            var restore = await WorkerProcess.RunAsync(_folder, into, TimeSpan.FromMinutes(2), "restore", file);
            var again = await WorkerProcess.RunAsync(_folder, into, TimeSpan.FromMinutes(2), "restore", file);
            var verify = await WorkerProcess.RunAsync(_folder, into, TimeSpan.FromMinutes(1), "verify");
            var onSqlite = await WorkerProcess.RunAsync(_folder, new Dictionary<string, string>(), TimeSpan.FromMinutes(1), "backup", Path.Combine(_folder, "x.pgdump"), "--pg-dump");

            var snapshot = backup.Output.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^(\S+)\s+snapshot\s+(\d+) rows ([0-9a-f]{16})")).Where(m => m.Success)
                .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value} {m.Groups[3].Value}").ToList();
            var restored = restore.Output.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^(\S+)\s.*target\s+(\d+) rows ([0-9a-f]{16})")).Where(m => m.Success)
                .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value} {m.Groups[3].Value}").ToList();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(backup.ExitCode, Is.Zero, backup.Output + backup.Error);
                Assert.That(File.Exists(file) && File.Exists(file + ".checksums.json") && !File.Exists(file + ".partial"), Is.True, "the dump and its checksums, named once listed");
                Assert.That(restore.ExitCode, Is.Zero, restore.Output + restore.Error);
                Assert.That(restore.Output, Does.Contain("restore: OK"));
                Assert.That(restored, Is.EqualTo(snapshot).And.Exactly(TradingBot.Infrastructure.Persistence.Copy.LedgerDigest.RowTypes.Count).Items, "the restored ledger holds the snapshot pg_dump read");
                Assert.That(snapshot.Single(t => t.StartsWith("fills ", StringComparison.Ordinal)), Does.Not.StartWith("fills 0 "), "the snapshot holds the worker's trades");
                Assert.That(again.ExitCode, Is.EqualTo(7), again.Output + again.Error);
                Assert.That(again.Error, Does.Contain("restored only into an empty database"));
                Assert.That(verify.ExitCode, Is.Zero, verify.Output + verify.Error);
                Assert.That(onSqlite.ExitCode, Is.EqualTo(2), onSqlite.Output + onSqlite.Error);
                Assert.That(onSqlite.Error, Does.Contain("--pg-dump backs up a Postgres ledger"));
            }
        }
        finally
        {
            await TestServers.Postgres.DropDatabaseAsync(empty);
        }
    }

    // Many rows fast: SQLite generates them (a uuid in the ledger's lower-case text form, times in its fixed-width UTC text).
    private static async Task FundingSnapshotsAsync(string file, int rows)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
            INSERT INTO funding_snapshots (id, exchange, symbol, funding_rate_bps, mark_price_quote, index_price_quote, snapshot_at, created_at)
            SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
                   'PAPER', CASE i % 2 WHEN 0 THEN 'BTCUSDT' ELSE 'ETHUSDT' END, i % 9 - 4, 6400000000000 + i, 6399000000000 + i,
                   strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || i || ' seconds'), NULL
            FROM n
            """;
        await command.ExecuteNonQueryAsync();
    }
}
