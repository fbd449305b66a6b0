using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Copy;

/// <summary>
/// copy-ledger's contract, written once and run for every pair of providers: exact, refused into a ledger holding other
/// data, resumable after a stop at any chunk, verified (a changed, missing or extra row is found), and fenced.
/// </summary>
public abstract class LedgerCopyContract
{
    private const int Snapshots = 2_500;
    private static readonly LedgerCopyOptions SmallChunks = new() { ChunkRows = 1_000 };

    private LedgerTestDatabase _source = null!;
    private LedgerTestDatabase _target = null!;

    protected abstract Task<LedgerTestDatabase> CreateSourceAsync();

    protected abstract Task<LedgerTestDatabase> CreateTargetAsync();

    private LedgerCopyEndpoint Source => _source.Endpoint("the source");

    private LedgerCopyEndpoint Target => _target.Endpoint("the target");

    [SetUp]
    public async Task CreateLedgersAsync()
    {
        _source = await CreateSourceAsync();
        _target = await CreateTargetAsync();
        await LedgerSample.FillAsync(_source, Snapshots);
    }

    [TearDown]
    public async Task DropLedgersAsync()
    {
        await _source.DisposeAsync();
        await _target.DisposeAsync();
    }

    [Test]
    public async Task A_copy_holds_every_column_of_every_row_of_every_table_exactly()
    {
        var report = await LedgerCopier.CopyAsync(Source, Target, SmallChunks, CancellationToken.None);

        var source = await LedgerSample.CanonicalRowsAsync(_source);
        var target = await LedgerSample.CanonicalRowsAsync(_target);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Verified, Is.True, string.Join("; ", report.Differences));
            Assert.That(report.Resumed, Is.False);
            Assert.That(source.Values.All(rows => rows.Count > 0), Is.True, "every table has rows to copy");
            foreach (var (table, rows) in source)
            {
                Assert.That(target[table], Is.EqualTo(rows), table);
            }

            Assert.That(report.Tables.Single(t => t.Source.Table == "funding_snapshots").Target.Rows, Is.EqualTo(Snapshots));
        }
    }

    [Test]
    public async Task A_target_holding_other_data_is_refused_and_neither_ledger_is_written()
    {
        await LedgerSample.FillAsync(_target, 1);
        var before = await LedgerSample.CanonicalRowsAsync(_target);

        var refused = Assert.ThrowsAsync<LedgerCopyRefusedException>(() => LedgerCopier.CopyAsync(Source, Target, SmallChunks, CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused!.Message, Does.Contain("the target holds other data (orders is not empty)"));
            Assert.That(await LedgerSample.CanonicalRowsAsync(_target), Is.EqualTo(before));
            Assert.That(await _source.ScalarAsync("SELECT COUNT(*) FROM ledger_transfers"), Is.Zero);
            Assert.That(await _target.ScalarAsync("SELECT COUNT(*) FROM ledger_transfers"), Is.Zero);
        }
    }

    [Test]
    public async Task A_copy_stopped_after_any_chunk_finishes_when_run_again_with_nothing_twice_or_missing()
    {
        var seed = TestContext.CurrentContext.Random.Next();
        TestContext.Out.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var source = await LedgerSample.CanonicalRowsAsync(_source);

        // Chunks: 7 small tables (one each) and funding_snapshots (3); stop after a few of them, one run at a time.
        var stops = 0;
        var chunksBeforeStop = random.Next(1, 4);
        while (true)
        {
            var chunks = 0;
            var options = SmallChunks with
            {
                AfterChunk = (_, _) =>
                {
                    if (++chunks == chunksBeforeStop)
                    {
                        throw new OperationCanceledException("stopped");
                    }
                },
            };
            try
            {
                var report = await LedgerCopier.CopyAsync(Source, Target, options, CancellationToken.None);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(report.Verified, Is.True, string.Join("; ", report.Differences));
                    Assert.That(report.Resumed, Is.EqualTo(stops > 0));
                    Assert.That(stops, Is.GreaterThan(1), "the copy was stopped more than once");
                }

                break;
            }
            catch (OperationCanceledException)
            {
                stops++;
                chunksBeforeStop = random.Next(1, 4);
            }
        }

        var target = await LedgerSample.CanonicalRowsAsync(_target);
        Assert.That(target, Is.EqualTo(source));
        Assert.That((await LedgerCopier.StatusAsync(_source.Contexts, CancellationToken.None)).CopiedTo, Is.EqualTo("the target"));
    }

    [Test]
    public async Task A_source_changed_after_a_stopped_copy_is_refused_instead_of_merged()
    {
        var options = SmallChunks with { AfterChunk = (table, _) => { if (table == "funding_snapshots") { throw new OperationCanceledException("stopped"); } } };
        Assert.CatchAsync<OperationCanceledException>(() => LedgerCopier.CopyAsync(Source, Target, options, CancellationToken.None));
        await _source.ExecuteAsync("DELETE FROM funding_snapshots WHERE id = (SELECT id FROM funding_snapshots ORDER BY id LIMIT 1)");

        var refused = Assert.ThrowsAsync<LedgerCopyRefusedException>(() => LedgerCopier.CopyAsync(Source, Target, SmallChunks, CancellationToken.None));

        Assert.That(refused!.Message, Does.Contain("funding_snapshots in the source is not what this copy began with").And.Contain("Copy into a new, empty ledger"));
    }

    [TestCase("UPDATE fills SET fee_quote = fee_quote + 1 WHERE fee_quote = -1", "fills: 2 row(s) on both sides, but their contents differ")]
    [TestCase("DELETE FROM audit_log WHERE event_type = 'ERROR'", "audit_log: the source holds 2 row(s), the target 1")]
    [TestCase("UPDATE symbol_halts SET detail = 'ledger 0, exchange -0.5'", "symbol_halts: 1 row(s) on both sides, but their contents differ")]
    [TestCase("UPDATE orders SET updated_at = NULL WHERE updated_at IS NOT NULL", "orders: 2 row(s) on both sides, but their contents differ")]
    public async Task Verify_only_finds_a_row_changed_or_removed_in_the_target(string damage, string difference)
    {
        Assert.That((await LedgerCopier.CopyAsync(Source, Target, SmallChunks, CancellationToken.None)).Verified, Is.True);
        Assert.That((await LedgerCopier.VerifyAsync(Source, Target, CancellationToken.None)).Verified, Is.True);

        await _target.ExecuteAsync(damage);
        var report = await LedgerCopier.VerifyAsync(Source, Target, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Verified, Is.False);
            Assert.That(report.Differences, Has.Count.EqualTo(1));
            Assert.That(report.Differences[0], Does.StartWith(difference));
        }
    }

    [Test]
    public async Task The_target_check_sees_the_tables_it_reads_whole_and_a_violation_it_finds_fences_nothing()
    {
        bool wholeDatabase;
        await using (var db = await _target.Contexts.CreateDbContextAsync())
        {
            wholeDatabase = Writes.LedgerProvider.Of(db).ChecksWholeDatabase;
        }

        var checkedCounts = new TaskCompletionSource<(long Fills, long Snapshots)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = SmallChunks with
        {
            CheckTarget = async _ =>
            {
                checkedCounts.TrySetResult((await _target.ScalarAsync("SELECT COUNT(*) FROM fills"), await _target.ScalarAsync("SELECT COUNT(*) FROM funding_snapshots")));
                return ["position BINANCE:BTCUSDT is not the replay of its fills"];
            },
            // Where the check may run beside the history, the copy of the history waits for it after its first chunk.
            AfterChunk = (table, rows) =>
            {
                if (!wholeDatabase && table == "funding_snapshots" && rows == SmallChunks.ChunkRows)
                {
                    Assert.That(checkedCounts.Task.Wait(TimeSpan.FromSeconds(30)), Is.True, "the check began once the tables it reads were copied");
                }
            },
        };

        var report = await LedgerCopier.CopyAsync(Source, Target, options, CancellationToken.None);

        var (fills, snapshots) = await checkedCounts.Task;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fills, Is.EqualTo(await _source.ScalarAsync("SELECT COUNT(*) FROM fills")), "the tables the check reads were whole when it ran");
            Assert.That(snapshots, wholeDatabase ? Is.EqualTo(Snapshots) : Is.LessThan(Snapshots),
                wholeDatabase ? "a check of the whole database (SQLite's integrity_check) runs after the last write" : "the check ran beside the copy of the history");
            Assert.That(report.Differences, Is.Empty);
            Assert.That(report.TargetViolations.Single(), Is.EqualTo("position BINANCE:BTCUSDT is not the replay of its fills"));
            Assert.That(report.Verified, Is.False);
            Assert.That(await LedgerCopier.StatusAsync(_source.Contexts, CancellationToken.None), Is.EqualTo(new LedgerCopyStatus(null, null, null)), "a target that fails its check fences nothing");
        }
    }

    [Test]
    public async Task A_copied_source_is_fenced_and_copying_it_again_takes_force()
    {
        var unfinished = SmallChunks with { AfterChunk = (table, _) => { if (table == "fills") { throw new OperationCanceledException("stopped"); } } };
        Assert.CatchAsync<OperationCanceledException>(() => LedgerCopier.CopyAsync(Source, Target, unfinished, CancellationToken.None));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await LedgerCopier.StatusAsync(_source.Contexts, CancellationToken.None), Is.EqualTo(new LedgerCopyStatus(null, null, null)), "a copy in progress fences nothing");
            Assert.That((await LedgerCopier.StatusAsync(_target.Contexts, CancellationToken.None)).UnfinishedCopyOf, Is.EqualTo("the source"), "half a ledger says so");
        }

        await LedgerCopier.CopyAsync(Source, Target, SmallChunks, CancellationToken.None);
        var fenced = await LedgerCopier.StatusAsync(_source.Contexts, CancellationToken.None);
        var target = await LedgerCopier.StatusAsync(_target.Contexts, CancellationToken.None);
        await using var another = await CreateTargetAsync();
        var refused = Assert.ThrowsAsync<LedgerCopyRefusedException>(() => LedgerCopier.CopyAsync(Source, another.Endpoint("another"), SmallChunks, CancellationToken.None));
        var refusedAsSource = Assert.ThrowsAsync<LedgerCopyRefusedException>(() => LedgerCopier.CheckSourceAsync(_source.Contexts, force: false, CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fenced.CopiedTo, Is.EqualTo("the target"));
            Assert.That(fenced.CopiedAt, Is.Not.Null);
            Assert.That(target, Is.EqualTo(new LedgerCopyStatus(null, null, null)), "the copy is a ledger to run on");
            Assert.That(refused!.Message, Does.Contain("already copied to the target").And.Contain("--force"));
            Assert.That(refusedAsSource!.Message, Is.EqualTo(refused.Message));
            Assert.That(await another.ScalarAsync("SELECT COUNT(*) FROM ledger_transfers"), Is.Zero);
        }

        var forced = await LedgerCopier.CopyAsync(Source, another.Endpoint("another"), SmallChunks with { Force = true }, CancellationToken.None);
        Assert.That(forced.Verified, Is.True);
        Assert.That((await LedgerCopier.StatusAsync(_source.Contexts, CancellationToken.None)).CopiedTo, Is.EqualTo("another"));
    }

    [Test]
    public async Task An_unfinished_copy_cannot_be_the_source_of_another()
    {
        var unfinished = SmallChunks with { AfterChunk = (_, _) => throw new OperationCanceledException("stopped") };
        Assert.CatchAsync<OperationCanceledException>(() => LedgerCopier.CopyAsync(Source, Target, unfinished, CancellationToken.None));
        await using var another = await CreateSourceAsync();

        var refused = Assert.ThrowsAsync<LedgerCopyRefusedException>(() => LedgerCopier.CopyAsync(Target, another.Endpoint("another"), SmallChunks with { Force = true }, CancellationToken.None));

        Assert.That(refused!.Message, Does.StartWith("this ledger is an unfinished copy of the source"));
    }
}

[TestFixture]
public sealed class SqliteToPostgresCopy : LedgerCopyContract
{
    protected override Task<LedgerTestDatabase> CreateSourceAsync() => Task.FromResult(TestServers.NewSqliteLedger());

    protected override Task<LedgerTestDatabase> CreateTargetAsync() => TestServers.NewPostgresLedgerAsync();
}

[TestFixture]
public sealed class PostgresToSqliteCopy : LedgerCopyContract
{
    protected override Task<LedgerTestDatabase> CreateSourceAsync() => TestServers.NewPostgresLedgerAsync();

    protected override Task<LedgerTestDatabase> CreateTargetAsync() => Task.FromResult(TestServers.NewSqliteLedger());
}

[TestFixture]
public sealed class SqliteToSqliteCopy : LedgerCopyContract
{
    protected override Task<LedgerTestDatabase> CreateSourceAsync() => Task.FromResult(TestServers.NewSqliteLedger());

    protected override Task<LedgerTestDatabase> CreateTargetAsync() => Task.FromResult(TestServers.NewSqliteLedger());
}

[TestFixture]
public sealed class PostgresToPostgresCopy : LedgerCopyContract
{
    protected override Task<LedgerTestDatabase> CreateSourceAsync() => TestServers.NewPostgresLedgerAsync();

    protected override Task<LedgerTestDatabase> CreateTargetAsync() => TestServers.NewPostgresLedgerAsync();
}
