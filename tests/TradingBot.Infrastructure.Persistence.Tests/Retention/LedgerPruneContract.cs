using System.IO.Compression;
using System.Text.Json;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Persistence.Retention;
using TradingBot.Infrastructure.Persistence.Rows;
using TradingBot.Infrastructure.Persistence.Tests.Copy;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Retention;

/// <summary>
/// prune's contract, on both providers: exactly the old snapshots and audit events leave, exactly they are in the archive,
/// the records of money stay, events that explain an open halt or a live order stay, a dry run changes nothing, and an
/// archive that does not read back, or a ledger that changed under the prune, deletes nothing.
/// </summary>
public abstract class LedgerPruneContract
{
    private static readonly DateTimeOffset T0 = LedgerSample.T0;
    private static readonly string[] Kept = ["orders", "fills", "positions", "funding_payments", "symbol_halts"];

    private LedgerTestDatabase _db = null!;
    private string _folder = null!;

    protected abstract Task<LedgerTestDatabase> CreateAsync();

    /// <summary>Runs after the sample is written (a partitioned ledger makes the months its rows arrived for).</summary>
    protected virtual Task AfterSampleAsync(LedgerTestDatabase db) => Task.CompletedTask;

    protected LedgerTestDatabase Db => _db;

    protected static Dictionary<PrunableTable, DateTimeOffset> Cutoffs => Before;

    // Funding snapshots from T0 a second apart (the sample's 200): the first 100 are older than T0 + 100 s.
    private static Dictionary<PrunableTable, DateTimeOffset> Before => new()
    {
        [PrunableTable.FundingSnapshots] = T0.AddSeconds(100),
        [PrunableTable.StateSnapshots] = T0.AddDays(2),
        [PrunableTable.AuditLog] = T0.AddDays(2),
    };

    protected string Archive => Path.Combine(_folder, "old.jsonl.gz");

    [SetUp]
    public async Task CreateLedgerAsync()
    {
        _db = await CreateAsync();
        _folder = Directory.CreateTempSubdirectory("prune-").FullName;
        await LedgerSample.FillAsync(_db, 200); // its ETHUSDT halt, open since T0
        await using var ctx = await _db.Contexts.CreateDbContextAsync();
        ctx.Orders.Add(new OrderRow
        {
            Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "SOLUSDT", Side = "BUY", Type = "LIMIT", QuantityBase = 100_000_000, PriceQuote = 5, Status = "OPEN",
            ExchangeOrderId = "BINANCE:SOLUSDT:777", IdempotencyKey = "grid|BINANCE|SOLUSDT|live", FilledQuantityBase = 0, CreatedAt = T0.AddDays(-30), UpdatedAt = T0.AddDays(-30),
        });
        ctx.AuditLog.AddRange(
            Event("DECISION", """{"symbol":"BTCUSDT","exchange":"BINANCE","decision":"open"}""", T0.AddDays(-10)),
            Event("DECISION", """{"symbol":"ETHUSDT","exchange":"BINANCE","decision":"hold"}""", T0.AddDays(-10)), // before the halt began: goes
            Event("STATE_TRANSITION", """{"event":"symbol halted","symbol":"ETHUSDT","exchange":"BINANCE","reason":"POSITION_DIFFERS"}""", T0), // explains the open halt
            Event("RECONCILIATION", """{"exchange":"BINANCE","halted":"ETHUSDT","differences":"1"}""", T0.AddHours(1)), // explains it too
            Event("DECISION", """{"symbol":"SOLUSDT","idempotency_key":"grid|BINANCE|SOLUSDT|live"}""", T0.AddDays(-30)), // a live order's
            Event("STATE_TRANSITION", """{"symbol":"SOLUSDT","exchange_order_id":"777","to":"OPEN"}""", T0.AddDays(-29)), // the same order, by the exchange's id
            Event("FILL", """{"symbol":"BTCUSDT","idempotency_key":"funding-harvest|BINANCE|BTCUSDT|open|é"}""", T0.AddDays(-1)), // a filled order's: goes
            Event("DECISION", """{"symbol":"BTCUSDT","decision":"close"}""", T0.AddDays(3))); // newer than the cut-off
        ctx.StateSnapshots.AddRange(
            new StateSnapshotRow { Id = Guid.NewGuid(), Snapshot = """{"positions":[]}""", ReconciledAt = T0.AddDays(-5), CreatedAt = T0.AddDays(-5) },
            new StateSnapshotRow { Id = Guid.NewGuid(), Snapshot = """{"positions":[1]}""", ReconciledAt = T0.AddDays(5), CreatedAt = T0.AddDays(5) });
        await ctx.SaveChangesAsync();
        await AfterSampleAsync(_db);
    }

    [TearDown]
    public async Task DropLedgerAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task The_archive_holds_exactly_the_rows_that_left_and_the_records_of_money_stay()
    {
        var before = await LedgerSample.CanonicalRowsAsync(_db);

        var report = await LedgerPruner.PruneAsync(_db.Contexts, new LedgerPruneRequest { Before = Before, ArchivePath = Archive, Ledger = "the test ledger" }, CancellationToken.None);

        var after = await LedgerSample.CanonicalRowsAsync(_db);
        var left = before.ToDictionary(t => t.Key, t => t.Value.Except(after[t.Key]).Order(StringComparer.Ordinal).ToList());
        var archived = await ArchivedRowsAsync(Archive);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Archive, Is.EqualTo(Archive));
            Assert.That(left["funding_snapshots"], Has.Count.EqualTo(100));
            Assert.That(left["state_snapshots"], Has.Count.EqualTo(2), "the sample's, a minute after T0, and the one of five days before");
            Assert.That(left["audit_log"], Has.Count.EqualTo(4), "the sample's decision, the BTCUSDT decision, ETHUSDT's before its halt, the filled order's");
            foreach (var table in new[] { "funding_snapshots", "state_snapshots", "audit_log" })
            {
                Assert.That(archived.GetValueOrDefault(table, []), Is.EqualTo(left[table]), $"{table}: the archive holds exactly what left");
                Assert.That(after[table].Intersect(archived.GetValueOrDefault(table, [])), Is.Empty, $"{table}: nothing archived stayed");
            }

            foreach (var table in Kept)
            {
                Assert.That(after[table], Is.EqualTo(before[table]), $"{table} is never pruned");
            }

            Assert.That(report.Tables.Select(t => (t.Table, t.Rows, t.Kept)), Is.EqualTo(new[] { ("funding_snapshots", 100L, 0L), ("state_snapshots", 2L, 0L), ("audit_log", 4L, 4L) }));
            Assert.That(
                await LedgerPruner.ReadArchiveAsync(Archive, CancellationToken.None),
                Is.EqualTo(report.Tables.Select(t => new TableDigest(t.Table, t.Rows, t.Checksum))),
                "the archive's trailer agrees with its rows and with the report");
        }

        var again = await LedgerPruner.PruneAsync(_db.Contexts, new LedgerPruneRequest { Before = Before, ArchivePath = Path.Combine(_folder, "again.jsonl.gz") }, CancellationToken.None);
        Assert.That(again.Tables.Sum(t => t.Rows), Is.Zero, "a second prune with the same cut-off finds nothing");
        Assert.That(again.Archive, Is.Null);
        Assert.That(Directory.GetFiles(_folder), Is.EqualTo(new[] { Archive }), "and writes no archive");
    }

    [Test]
    public async Task A_dry_run_counts_what_would_go_and_changes_nothing()
    {
        var before = await LedgerSample.CanonicalRowsAsync(_db);

        var report = await LedgerPruner.PruneAsync(_db.Contexts, new LedgerPruneRequest { Before = Before, DryRun = true }, CancellationToken.None);

        Assert.That(report.Tables.Select(t => (t.Table, t.Rows, t.Kept)), Is.EqualTo(new[] { ("funding_snapshots", 100L, 0L), ("state_snapshots", 2L, 0L), ("audit_log", 4L, 4L) }));
        Assert.That((report.Tables[0].Oldest, report.Tables[0].Newest), Is.EqualTo((T0, T0.AddSeconds(99).AddTicks(90))), "the sample's first and hundredth funding snapshots");
        Assert.That(await LedgerSample.CanonicalRowsAsync(_db), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_folder), Is.Empty);
    }

    [Test]
    public async Task Only_the_tables_named_are_pruned()
    {
        var before = await LedgerSample.CanonicalRowsAsync(_db);
        var request = new LedgerPruneRequest { Before = new Dictionary<PrunableTable, DateTimeOffset> { [PrunableTable.AuditLog] = T0.AddDays(2) }, ArchivePath = Archive };

        var report = await LedgerPruner.PruneAsync(_db.Contexts, request, CancellationToken.None);

        var after = await LedgerSample.CanonicalRowsAsync(_db);
        Assert.That(report.Tables.Single().Table, Is.EqualTo("audit_log"));
        Assert.That(after["funding_snapshots"], Is.EqualTo(before["funding_snapshots"]));
        Assert.That(after["state_snapshots"], Is.EqualTo(before["state_snapshots"]));
        Assert.That(after["audit_log"], Has.Count.EqualTo(before["audit_log"].Count - 4));
    }

    [Test]
    public async Task An_archive_that_does_not_read_back_deletes_nothing()
    {
        var before = await LedgerSample.CanonicalRowsAsync(_db);
        var request = new LedgerPruneRequest
        {
            Before = Before,
            ArchivePath = Archive,
            ArchiveWritten = path => Rewrite(path, lines => [.. lines.Where(l => !l.Contains("\"state_snapshots\",\"row\"", StringComparison.Ordinal))]), // a row lost on the way to disk
        };

        var refused = Assert.ThrowsAsync<LedgerPruneRefusedException>(() => LedgerPruner.PruneAsync(_db.Contexts, request, CancellationToken.None));

        Assert.That(refused!.Message, Does.Contain("state_snapshots").And.Contain("nothing was deleted"));
        Assert.That(await LedgerSample.CanonicalRowsAsync(_db), Is.EqualTo(before));
        Assert.That(File.Exists(Archive), Is.False, "an archive that failed its check never gets its name");
    }

    [Test]
    public async Task A_row_that_came_to_explain_a_current_state_meanwhile_deletes_nothing()
    {
        var before = await LedgerSample.CanonicalRowsAsync(_db);
        var request = new LedgerPruneRequest
        {
            Before = Before,
            ArchivePath = Archive,
            // After the rows were archived, a worker halts BTCUSDT since before its old decision: that event now explains the halt.
            ArchiveWritten = _ => _db.ExecuteAsync(
                $"INSERT INTO symbol_halts (id, exchange, symbol, reason, detail, halted_at, version) VALUES ('{Guid.NewGuid()}', 'BINANCE', 'BTCUSDT', 'POSITION_DIFFERS', 'x', {Time(T0.AddDays(-20))}, 1)").GetAwaiter().GetResult(),
        };

        var refused = Assert.ThrowsAsync<LedgerPruneRefusedException>(() => LedgerPruner.PruneAsync(_db.Contexts, request, CancellationToken.None));

        var after = await LedgerSample.CanonicalRowsAsync(_db);
        Assert.That(refused!.Message, Does.Contain("now explains a current state").And.Contain("nothing was deleted"));
        foreach (var table in before.Keys.Where(t => t != "symbol_halts"))
        {
            Assert.That(after[table], Is.EqualTo(before[table]), table);
        }
    }

    [Test]
    public void An_existing_archive_is_never_overwritten()
    {
        File.WriteAllText(Archive, "mine");

        var refused = Assert.ThrowsAsync<IOException>(() => LedgerPruner.PruneAsync(_db.Contexts, new LedgerPruneRequest { Before = Before, ArchivePath = Archive }, CancellationToken.None));

        Assert.That(refused!.Message, Does.Contain("never overwrites"));
        Assert.That(File.ReadAllText(Archive), Is.EqualTo("mine"));
    }

    protected static AuditLogRow Event(string type, string data, DateTimeOffset at) => new() { Id = Guid.NewGuid(), EventType = type, EventData = data, CreatedAt = at };

    private string Time(DateTimeOffset at) => _db.ConnectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase)
        ? $"'{at:O}'::timestamptz"
        : $"'{Sqlite.SqliteLedgerDialect.ToText(at)}'";

    // The archive's rows per table, each as the canonical text of its columns, sorted.
    protected static async Task<Dictionary<string, List<string>>> ArchivedRowsAsync(string path)
    {
        var rows = new Dictionary<string, List<string>>();
        foreach (var line in (await Lines(path)).Skip(1).SkipLast(1))
        {
            using var document = JsonDocument.Parse(line);
            var table = document.RootElement.GetProperty("table").GetString()!;
            var columns = document.RootElement.GetProperty("row").EnumerateObject().Select(c => (c.Name, c.Value.ValueKind == JsonValueKind.Null ? null : c.Value.GetString()));
            (rows.TryGetValue(table, out var list) ? list : rows[table] = []).Add(LedgerCanonicalForm.Join(columns));
        }

        return rows.ToDictionary(r => r.Key, r => r.Value.Order(StringComparer.Ordinal).ToList());
    }

    private static async Task<List<string>> Lines(string path)
    {
        await using var zip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(zip);
        return [.. (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static void Rewrite(string path, Func<List<string>, List<string>> change)
    {
        var lines = change(Lines(path).GetAwaiter().GetResult());
        using var zip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        using var writer = new StreamWriter(zip);
        writer.Write(string.Join('\n', lines) + "\n");
    }
}

[TestFixture]
public sealed class SqlitePrune : LedgerPruneContract
{
    protected override Task<LedgerTestDatabase> CreateAsync() => Task.FromResult(TestServers.NewSqliteLedger());
}

[TestFixture]
public sealed class PostgresPrune : LedgerPruneContract
{
    protected override Task<LedgerTestDatabase> CreateAsync() => TestServers.NewPostgresLedgerAsync();
}

/// <summary>
/// The contract on a Postgres ledger partitioned by month (the sample's months made after it was written, its older rows
/// moved out of the default partition), and what partitions add: a month wholly before the cut-off goes whole.
/// </summary>
[TestFixture]
public sealed class PartitionedPostgresPrune : LedgerPruneContract
{
    private static readonly DateTimeOffset T0 = LedgerSample.T0;
    private static readonly string[] July = ["funding_snapshots_2026_07", "audit_log_2026_07"];
    private static readonly string[] FundingJuly = ["funding_snapshots_2026_07"];
    private static readonly string[] AuditJuly = ["audit_log_2026_07"];

    protected override Task<LedgerTestDatabase> CreateAsync() => TestServers.NewPartitionedPostgresLedgerAsync(T0);

    protected override async Task AfterSampleAsync(LedgerTestDatabase db) =>
        await new LedgerMigrator(db.Contexts, Partitions.LedgerPartitioning.Monthly).PreparePartitionsAsync(T0, CancellationToken.None);

    [Test]
    public async Task A_month_wholly_before_the_cutoff_is_archived_then_dropped_and_a_month_holding_a_live_orders_events_stays()
    {
        // July 2026: three audit events and two funding snapshots, in months of their own once the worker has made them.
        var july = new DateTimeOffset(2026, 7, 10, 12, 0, 0, TimeSpan.Zero);
        await using (var ctx = await Db.Contexts.CreateDbContextAsync())
        {
            ctx.AuditLog.AddRange(Event("DECISION", """{"symbol":"BTCUSDT","decision":"hold"}""", july), Event("DECISION", """{"symbol":"BTCUSDT","decision":"open"}""", july.AddDays(1)), Event("ERROR", """{"problem":"x"}""", july.AddDays(20)));

            // October also holds the live order's two events: this one goes, they stay.
            ctx.AuditLog.Add(Event("DECISION", """{"symbol":"BTCUSDT","decision":"close"}""", new DateTimeOffset(2026, 10, 5, 0, 0, 0, TimeSpan.Zero)));
            ctx.FundingSnapshots.AddRange(
                new FundingSnapshotRow { Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "BTCUSDT", FundingRateBps = 1, MarkPriceQuote = 2, IndexPriceQuote = 3, SnapshotAt = july },
                new FundingSnapshotRow { Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "BTCUSDT", FundingRateBps = 4, MarkPriceQuote = 5, IndexPriceQuote = 6, SnapshotAt = july.AddDays(2) });
            await ctx.SaveChangesAsync();
        }

        Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log_default"), Is.EqualTo(3), "July had no partition: its rows wait in the default one");
        var made = await new LedgerMigrator(Db.Contexts, Partitions.LedgerPartitioning.Monthly).PreparePartitionsAsync(T0, CancellationToken.None);
        Assert.That(made.Created, Is.EquivalentTo(July));
        Assert.That(made.RowsMoved, Is.EqualTo(5), "October's partition exists: its new event went straight there");
        var before = await LedgerSample.CanonicalRowsAsync(Db);

        var report = await LedgerPruner.PruneAsync(Db.Contexts, new LedgerPruneRequest { Before = Cutoffs, ArchivePath = Archive }, CancellationToken.None);

        var after = await LedgerSample.CanonicalRowsAsync(Db);
        var archived = await ArchivedRowsAsync(Archive);
        var funding = report.Tables.Single(t => t.Table == "funding_snapshots");
        var audit = report.Tables.Single(t => t.Table == "audit_log");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(funding.DroppedPartitions, Is.EqualTo(FundingJuly));
            Assert.That(audit.DroppedPartitions, Is.EqualTo(AuditJuly), "October holds the live order's events, so it stays and its other row goes on its own");
            Assert.That((funding.Rows, audit.Rows, audit.Kept), Is.EqualTo((102L, 8L, 4L)), "the dropped months' rows are archived and counted like the rest");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM pg_class WHERE relname IN ('funding_snapshots_2026_07', 'audit_log_2026_07')"), Is.Zero, "the months are dropped, not left detached");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM pg_class WHERE relname = 'audit_log_2026_10'"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log_2026_10"), Is.EqualTo(2), "the live order's two events stay in their month");
            foreach (var table in new[] { "funding_snapshots", "audit_log" })
            {
                var left = before[table].Except(after[table]).Order(StringComparer.Ordinal).ToList();
                Assert.That(archived[table], Is.EqualTo(left), $"{table}: the archive holds exactly what left, the dropped months included");
            }
        }
    }
}
