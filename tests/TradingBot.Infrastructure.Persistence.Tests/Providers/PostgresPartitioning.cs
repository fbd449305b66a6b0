using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Persistence.Partitions;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>
/// Ledger:Partitioning=Monthly on a real Postgres: a new ledger's funding_snapshots and audit_log become tables
/// partitioned by month with the ADR's named indexes on the parent, a primary key that includes the time, a NOT NULL time
/// and a default partition; months are made ahead; a row of a month with none waits in the default partition and moves
/// into its month once made; a ledger that does not match the setting is refused with nothing changed.
/// </summary>
[TestFixture]
public sealed class PostgresPartitioning
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 21, 0, 0, TimeSpan.Zero);
    private static readonly ExchangeName Binance = new("BINANCE");
    private static readonly Symbol BtcUsdt = new("BTCUSDT");
    private static readonly string[] Tables = ["funding_snapshots", "audit_log"];
    private static readonly string[] FirstMonths = ["funding_snapshots_2026_12", "funding_snapshots_2027_01", "funding_snapshots_2027_02", "audit_log_2026_12", "audit_log_2027_01", "audit_log_2027_02"];
    private static readonly string[] MonthAfterNext = ["funding_snapshots_2027_03", "audit_log_2027_03"];
    private static readonly string[] MonthsOfWaitingRows = ["funding_snapshots_2026_03", "funding_snapshots_2027_07"];

    private LedgerTestDatabase _db = null!;

    [SetUp]
    public async Task CreateAsync() => _db = await TestServers.NewPostgresLedgerAsync();

    [TearDown]
    public async Task DropAsync() => await _db.DisposeAsync();

    [Test]
    public async Task A_new_ledger_is_partitioned_by_month_with_the_same_columns_checks_and_named_indexes_on_the_parent()
    {
        var plain = await SchemaAsync();

        var report = await Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None);

        var partitioned = await SchemaAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Converted, Is.True);
            Assert.That(report.Created, Is.EqualTo(FirstMonths));
            Assert.That(await TextAsync("SELECT pg_get_partkeydef('funding_snapshots'::regclass)"), Is.EqualTo("RANGE (snapshot_at)"));
            Assert.That(await TextAsync("SELECT pg_get_partkeydef('audit_log'::regclass)"), Is.EqualTo("RANGE (created_at)"));
            foreach (var table in Tables)
            {
                Assert.That(
                    partitioned[table].Indexes.Select(i => i.Replace(" ON ONLY ", " ON ", StringComparison.Ordinal)),
                    Is.EqualTo(plain[table].Indexes),
                    $"{table}: the ADR's named indexes, on the parent (Postgres writes a partitioned table's own index as ON ONLY)");
                Assert.That(partitioned[table].Checks, Is.EqualTo(plain[table].Checks), $"{table}: its CHECKs");
                Assert.That(partitioned[table].Key.Name, Is.EqualTo(plain[table].Key.Name), $"{table}: its primary key keeps its name");
                Assert.That(partitioned[table].Columns, Is.EqualTo(plain[table].Columns.Select(c => table == "audit_log" && c.StartsWith("created_at|", StringComparison.Ordinal) ? c.Replace("|YES|", "|NO|", StringComparison.Ordinal) : c)), $"{table}: same columns; the time is NOT NULL");
            }

            Assert.That(partitioned["funding_snapshots"].Key.Columns, Is.EqualTo("id,snapshot_at"), "a partitioned table's primary key includes its partition key");
            Assert.That(partitioned["audit_log"].Key.Columns, Is.EqualTo("id,created_at"));
            Assert.That(await TextAsync("SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_log'::regclass AND c.relpartbound IS NOT NULL AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'"), Is.EqualTo("audit_log_default"));
            Assert.That(
                await TextAsync("SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'funding_snapshots_2026_12'::regclass"),
                Is.EqualTo("funding_snapshots_2026_12_exchange_symbol_snapshot_at_idx,funding_snapshots_2026_12_pkey,funding_snapshots_2026_12_snapshot_at_idx"),
                "each month's own indexes get names derived from the month's");
        }

        var again = await Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None);
        var next = await Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now.AddMonths(1), CancellationToken.None);
        Assert.That(again.Converted, Is.False);
        Assert.That(again.Created, Is.Empty, "a second run makes nothing");
        Assert.That(next.Created, Is.EqualTo(MonthAfterNext), "a month later, the month after next");
    }

    [Test]
    public async Task A_row_of_a_month_without_a_partition_waits_in_the_default_one_and_moves_into_its_month_unchanged()
    {
        await Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None);
        DateTimeOffset[] times = [Now, Now.AddMonths(-9), Now.AddMonths(7), Now.AddMonths(7).AddDays(3)];
        foreach (var at in times)
        {
            await _db.Ledger.ExecuteAsync(async (s, ct) => { await s.FundingSnapshots.AppendAsync(new FundingSnapshot(Binance, BtcUsdt, FundingRate.Parse("0.0001"), Price.Parse("64000"), Price.Parse("64000"), at), ct); return 0; }, CancellationToken.None);
        }

        Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM funding_snapshots_default"), Is.EqualTo(3), "March 2026 and July 2027 have no partition yet");
        var digest = await LedgerDigest.ComputeAsync(_db.Contexts, CancellationToken.None);

        var report = await Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Created, Is.EqualTo(MonthsOfWaitingRows));
            Assert.That(report.RowsMoved, Is.EqualTo(3));
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM funding_snapshots_default"), Is.Zero);
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM funding_snapshots_2027_07"), Is.EqualTo(2));
            Assert.That(await LedgerDigest.ComputeAsync(_db.Contexts, CancellationToken.None), Is.EqualTo(digest), "every row as it was, only stored in its month");
            var found = await _db.Ledger.ReadAsync((s, ct) => s.FundingSnapshots.GetRangeAsync(Binance, BtcUsdt, Now.AddYears(-1), Now.AddYears(1), ct), CancellationToken.None);
            Assert.That(found.Select(f => f.SnapshotAt), Is.EqualTo(times.OrderDescending()), "the repository reads every month through the parent");
        }
    }

    [Test]
    public async Task A_month_move_whose_connection_dies_midway_leaves_every_row_once_and_the_next_run_finishes_it()
    {
        await Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None);

        // March 2026 has no partition: its rows wait in the default one, enough of them that moving them takes a while.
        Assert.That(
            await _db.ScalarAsync(
                "WITH added AS (INSERT INTO funding_snapshots (id, exchange, symbol, funding_rate_bps, mark_price_quote, index_price_quote, snapshot_at) " +
                "SELECT gen_random_uuid(), 'BINANCE', 'BTCUSDT', g % 7, 6400000000000 + g, 6400000000000, TIMESTAMPTZ '2026-03-01 00:00:00+00' + g * INTERVAL '1 second' " +
                "FROM generate_series(1, 300000) g RETURNING 1) SELECT COUNT(*) FROM added"),
            Is.EqualTo(300_000));
        var digest = await LedgerDigest.ComputeAsync(_db.Contexts, CancellationToken.None);

        // The move's backend is terminated while its DELETE ... INSERT runs, as a crash of its host or a failover would end it.
        var move = Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None);
        var terminated = false;
        while (!move.IsCompleted && !terminated)
        {
            terminated = (await _db.StringsAsync(
                "SELECT CAST(pg_terminate_backend(pid) AS TEXT) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'WITH moved AS%'")).Contains("true");
            await Task.Delay(5);
        }

        Assert.That(terminated, Is.True, "the move was caught in the middle");
        LedgerPartitionsReport? first = null;
        try
        {
            first = await move; // the execution strategy runs it again on a new connection (a terminated one is transient)
        }
        catch (Exception exception) when (exception is not AssertionException)
        {
            // Or it failed: then nothing of it stays, the rows wait where they were and the month does not exist.
            TestContext.Out.WriteLine($"the interrupted move failed: {exception.GetType().Name}: {exception.Message}");
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM funding_snapshots_default"), Is.EqualTo(300_000));
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM pg_class WHERE relname = 'funding_snapshots_2026_03'"), Is.Zero);
        }

        var next = await Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((first?.RowsMoved ?? 0) + next.RowsMoved, Is.EqualTo(300_000), "moved once, by the run that committed");
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM funding_snapshots_default"), Is.Zero);
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM funding_snapshots_2026_03"), Is.EqualTo(300_000));
            Assert.That(await LedgerDigest.ComputeAsync(_db.Contexts, CancellationToken.None), Is.EqualTo(digest), "every row once, as it was");
        }
    }

    [Test]
    public async Task An_id_stored_twice_at_two_times_which_the_partitioned_key_allows_is_found_by_the_storage_checks()
    {
        await Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None);
        Assert.That(await _db.Integrity.CheckStorageAsync(CancellationToken.None), Is.Empty);
        var id = Guid.NewGuid();

        await _db.ExecuteAsync($"INSERT INTO audit_log (id, event_type, event_data, created_at) VALUES ('{id}', 'ERROR', '{{}}', '2026-12-01T00:00:00Z'), ('{id}', 'ERROR', '{{}}', '2027-01-01T00:00:00Z')");

        Assert.That(await _db.Integrity.CheckStorageAsync(CancellationToken.None), Is.EqualTo(new[] { $"audit_log: id {id} is stored 2 times (partitioned by month, its key is the id with the time)" }));
    }

    [Test]
    public async Task Monthly_on_a_ledger_that_already_holds_rows_is_refused_and_nothing_changes()
    {
        await _db.ExecuteAsync("INSERT INTO audit_log (id, event_type, event_data, created_at) VALUES (gen_random_uuid(), 'ERROR', '{}', now())");

        var refused = Assert.ThrowsAsync<LedgerPartitioningException>(() => Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None));

        Assert.That(refused!.Message, Does.Contain("audit_log already holds rows").And.Contain("copy-ledger --to-partitioning Monthly").And.Contain("Nothing was changed"));
        Assert.That(await TextAsync("SELECT string_agg(relkind::text, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('funding_snapshots', 'audit_log')"), Is.EqualTo("r,r"), "both still plain tables");
        Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM pg_class WHERE relname LIKE '%\\_default' OR relname LIKE '%\\_partitioned'"), Is.Zero);
    }

    [Test]
    public async Task None_on_a_partitioned_ledger_is_refused_so_that_its_months_keep_being_made()
    {
        await Migrator(LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None);

        var refused = Assert.ThrowsAsync<LedgerPartitioningException>(() => Migrator(LedgerPartitioning.None).PreparePartitionsAsync(Now.AddMonths(2), CancellationToken.None));

        Assert.That(refused!.Message, Does.Contain("partitioned by month").And.Contain("set Ledger:Partitioning=Monthly"));
        Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM pg_class WHERE relname = 'audit_log_2027_04'"), Is.Zero, "nothing was made");
    }

    [Test]
    public async Task Monthly_on_sqlite_is_refused()
    {
        await using var sqlite = TestServers.NewSqliteLedger();

        var refused = Assert.ThrowsAsync<LedgerPartitioningException>(() => new LedgerMigrator(sqlite.Contexts, LedgerPartitioning.Monthly).PreparePartitionsAsync(Now, CancellationToken.None));

        Assert.That(refused!.Message, Does.Contain("for a Postgres ledger"));
        Assert.That((await new LedgerMigrator(sqlite.Contexts).PreparePartitionsAsync(Now, CancellationToken.None)).Partitioned, Is.False);
    }

    private LedgerMigrator Migrator(LedgerPartitioning partitioning) => new(_db.Contexts, partitioning);

    private async Task<string> TextAsync(string sql)
    {
        await using var connection = _db.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    private async Task<Dictionary<string, TableSchema>> SchemaAsync()
    {
        var schema = new Dictionary<string, TableSchema>();
        foreach (var table in Tables)
        {
            var oid = $"'{table}'::regclass";
            schema[table] = new TableSchema(
                await _db.StringsAsync($"SELECT column_name || '|' || data_type || '|' || is_nullable || '|' || COALESCE(column_default, '') FROM information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position"),
                await _db.StringsAsync($"SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = {oid} AND NOT indisprimary ORDER BY 1"),
                await _db.StringsAsync($"SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = {oid} AND contype = 'c' ORDER BY 1"),
                (await TextAsync($"SELECT conname FROM pg_constraint WHERE conrelid = {oid} AND contype = 'p'"),
                 await TextAsync($"SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum WHERE c.conrelid = {oid} AND c.contype = 'p'")));
        }

        return schema;
    }

    private sealed record TableSchema(List<string> Columns, List<string> Indexes, List<string> Checks, (string Name, string Columns) Key);
}
