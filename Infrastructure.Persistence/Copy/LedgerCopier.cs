using System.Text.Json;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TradingBot.Infrastructure.Persistence.Configurations;
using TradingBot.Infrastructure.Persistence.Rows;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Persistence.Copy;

/// <summary>Writes rows into a ledger by its provider's bulk path, in the target context's current transaction.</summary>
public interface ILedgerBulkWriter
{
    /// <summary>Writes <paramref name="rows"/> of <paramref name="table"/> exactly as they are (keys, times, JSON, integers).</summary>
    Task WriteAsync(LedgerDbContext target, LedgerBulkTable table, IReadOnlyList<object> rows, CancellationToken cancellationToken);
}

/// <summary>One ledger of a copy: how to reach it, how to bulk-write into it, and how to name it (never with a password).</summary>
/// <param name="Contexts">Its contexts.</param>
/// <param name="Writer">Its provider's bulk path.</param>
/// <param name="Description">How messages name it.</param>
public sealed record LedgerCopyEndpoint(IDbContextFactory<LedgerDbContext> Contexts, ILedgerBulkWriter Writer, string Description);

/// <summary>How a copy runs.</summary>
public sealed record LedgerCopyOptions
{
    /// <summary>Rows per chunk: each chunk and the progress it makes are one transaction on the target.</summary>
    public int ChunkRows { get; init; } = 5_000;

    /// <summary>Copy a source that was already copied (fenced) all the same.</summary>
    public bool Force { get; init; }

    /// <summary>
    /// A snapshot copy (backup, restore): the source is only read, from one snapshot, and never marked or fenced (a worker
    /// may go on writing to it; a backup file is never changed), so the caller needs no lease on it. The target's record
    /// names the source; a stopped snapshot copy resumes from the same source.
    /// </summary>
    public bool Snapshot { get; init; }

    /// <summary>Called after each committed chunk: table, rows copied of it so far, rows it has.</summary>
    public Action<string, long, long>? Progress { get; init; }

    /// <summary>Called after each committed chunk with the table and the rows copied so far (tests stop a copy here).</summary>
    public Action<string, long>? AfterChunk { get; init; }

    /// <summary>
    /// The ledger's invariants, checked on the target: one line per violation, listed in the report, which is then not
    /// verified and fences nothing. Null checks none. It reads only <see cref="LedgerDigest.InvariantTables"/>, which a copy
    /// writes first: it runs as soon as they are written, beside the copy of the history, unless the target's own integrity
    /// check reads the whole database (SQLite); then once everything is written.
    /// </summary>
    public Func<CancellationToken, Task<IReadOnlyList<string>>>? CheckTarget { get; init; }
}

/// <summary>A table of a copy, compared on both sides.</summary>
/// <param name="Source">The source's digest.</param>
/// <param name="Target">The target's digest.</param>
public sealed record TableComparison(TableDigest Source, TableDigest Target)
{
    /// <summary>True when both sides hold the same rows.</summary>
    public bool Same => Source == Target;
}

/// <summary>What a copy (or a verification of one) found.</summary>
/// <param name="CopyId">The copy's id (the same in both ledgers' <c>ledger_transfers</c>).</param>
/// <param name="Tables">Every table, compared.</param>
/// <param name="Differences">One line per table that differs; empty when the copy is exact.</param>
/// <param name="Resumed">True when this run finished a copy an earlier run had begun.</param>
public sealed record LedgerCopyReport(Guid CopyId, IReadOnlyList<TableComparison> Tables, IReadOnlyList<string> Differences, bool Resumed)
{
    /// <summary>The violations <see cref="LedgerCopyOptions.CheckTarget"/> found on the target; empty when it found none or was not given.</summary>
    public IReadOnlyList<string> TargetViolations { get; init; } = [];

    /// <summary>True when every table holds the same rows on both sides and the target's invariants hold.</summary>
    public bool Verified => Differences.Count == 0 && TargetViolations.Count == 0;
}

/// <summary>What copies say about a ledger (<see cref="LedgerCopier.StatusAsync"/>).</summary>
/// <param name="CopiedTo">The ledger this one was copied to, verified (it is the ledger now); null when none.</param>
/// <param name="CopiedAt">When that copy finished.</param>
/// <param name="UnfinishedCopyOf">The ledger an unfinished copy into this one comes from; null when none.</param>
public sealed record LedgerCopyStatus(string? CopiedTo, DateTimeOffset? CopiedAt, string? UnfinishedCopyOf);

/// <summary>A copy that may not run: the target holds other data, or the source was already copied.</summary>
public sealed class LedgerCopyRefusedException(string message) : Exception(message);

/// <summary>
/// Copies a whole ledger into another exactly (nothing re-derived), from one snapshot of the source, a chunk at a time
/// with its progress in the target, so a killed copy resumes; then verifies row counts and checksums of the canonical rows
/// (<see cref="LedgerCanonicalForm"/>) on both sides and fences the source. The caller holds both leases and has migrated
/// the target; see the project's README.
/// </summary>
public static class LedgerCopier
{
    private const string Source = "SOURCE";
    private const string Target = "TARGET";
    private const string Copying = "COPYING";
    private const string Copied = "COPIED";

    /// <summary>Copies <paramref name="source"/> into <paramref name="target"/>, or finishes an earlier copy between them.</summary>
    public static async Task<LedgerCopyReport> CopyAsync(LedgerCopyEndpoint source, LedgerCopyEndpoint target, LedgerCopyOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var (copyId, resumed) = await BeginAsync(source, target, options, cancellationToken).ConfigureAwait(false);

        // The source's digests are computed from the rows the copy streams, in its snapshot (rows a resumed copy skips
        // included), so they describe exactly the ledger the copy was taken from, even while a worker writes to it. The
        // target's digest of a table is read as soon as the table's last chunk commits, beside the copy of the next (the
        // copy leaves about a third of two cores idle, waiting on commits); nothing writes to a copied table again.
        IReadOnlyList<TableDigest> sourceDigests = [];
        var targetDigests = new Dictionary<Type, Task<TableDigest>>();
        Task<IReadOnlyList<string>>? targetChecked = null;
        var checkEarly = options.CheckTarget is not null && !await ChecksWholeDatabaseAsync(target, cancellationToken).ConfigureAwait(false);
        using var stopDigests = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await using (var sourceDb = await source.Contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
            {
                sourceDigests = await sourceDb.Database.CreateExecutionStrategy().ExecuteAsync(
                    async ct =>
                    {
                        // One snapshot of the source for the whole copy (an attempt after a transient failure takes a new
                        // one and goes on from the progress the target has committed).
                        var digests = new List<TableDigest>();
                        await using var snapshot = await sourceDb.Database.BeginTransactionAsync(Writes.LedgerProvider.Of(sourceDb).SnapshotIsolation, ct).ConfigureAwait(false);
                        foreach (var type in LedgerDigest.RowTypes)
                        {
                            digests.Add(await CopyTableMethod.MakeGenericMethod(type).InvokeAsync<TableDigest>(sourceDb, target, copyId, options, ct).ConfigureAwait(false));
                            if (!targetDigests.ContainsKey(type))
                            {
                                targetDigests[type] = Task.Run(() => LedgerDigest.ComputeAsync(target.Contexts, type, stopDigests.Token), stopDigests.Token);
                            }

                            if (checkEarly && targetChecked is null && type == LedgerDigest.InvariantTables[^1])
                            {
                                targetChecked = Task.Run(() => options.CheckTarget!(stopDigests.Token), stopDigests.Token);
                            }
                        }

                        await snapshot.CommitAsync(ct).ConfigureAwait(false);
                        return digests;
                    },
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await stopDigests.CancelAsync().ConfigureAwait(false);
            Task[] running = [.. targetDigests.Values, .. targetChecked is null ? Array.Empty<Task>() : [targetChecked]];
            await Task.WhenAll(running).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }

        var targetRead = Task.WhenAll(LedgerDigest.RowTypes.Select(t => targetDigests[t]));
        var report = await CheckTargetAsync(copyId, resumed, sourceDigests, targetRead, target, targetChecked is null ? options.CheckTarget : _ => targetChecked, cancellationToken).ConfigureAwait(false);
        if (report.Verified)
        {
            await FinishAsync(source, target, copyId, options.Snapshot, cancellationToken).ConfigureAwait(false);
        }

        return report;
    }

    /// <summary>Compares two ledgers table by table (a finished copy, or any two): nothing is written.</summary>
    public static Task<LedgerCopyReport> VerifyAsync(LedgerCopyEndpoint source, LedgerCopyEndpoint target, CancellationToken cancellationToken) =>
        VerifyAsync(source, target, null, cancellationToken);

    /// <summary>Compares two ledgers table by table (the source read beside the target) and checks <paramref name="checkTarget"/> on the target: nothing is written.</summary>
    public static Task<LedgerCopyReport> VerifyAsync(LedgerCopyEndpoint source, LedgerCopyEndpoint target, Func<CancellationToken, Task<IReadOnlyList<string>>>? checkTarget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        return VerifyBothAsync(source, target, checkTarget, cancellationToken);
    }

    // The source read beside the target's checksums; then the target's invariants.
    private static async Task<LedgerCopyReport> VerifyBothAsync(LedgerCopyEndpoint source, LedgerCopyEndpoint target, Func<CancellationToken, Task<IReadOnlyList<string>>>? checkTarget, CancellationToken cancellationToken)
    {
        var sourceRead = Task.Run(() => DigestAsync(source, cancellationToken), cancellationToken);
        var targetDigests = await DigestAsync(target, cancellationToken).ConfigureAwait(false);
        return await CheckTargetAsync(Guid.Empty, false, await sourceRead.ConfigureAwait(false), Task.FromResult(targetDigests.ToArray()), target, checkTarget, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What copies say about running a worker on this ledger: whether it was copied (verified) to another ledger, which is
    /// the ledger now, and whether it is the target of a copy not finished yet (half a ledger).
    /// </summary>
    public static async Task<LedgerCopyStatus> StatusAsync(IDbContextFactory<LedgerDbContext> contexts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var copies = await db.Transfers.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
        var fence = copies.Where(t => t.Role == Source && t.State == Copied).OrderByDescending(t => t.FinishedAt).FirstOrDefault();
        var unfinished = copies.FirstOrDefault(t => t.Role == Target && t.State == Copying);
        return new LedgerCopyStatus(fence?.Peer, fence?.FinishedAt, unfinished?.Peer);
    }

    /// <summary>
    /// Throws <see cref="LedgerCopyRefusedException"/> when <paramref name="source"/> may not be copied: it was copied
    /// already (unless <paramref name="force"/>), or it is itself the unfinished target of a copy (half a ledger). A
    /// caller checks this before it creates or migrates a target, so a refused copy leaves nothing behind.
    /// </summary>
    public static async Task CheckSourceAsync(IDbContextFactory<LedgerDbContext> source, bool force, CancellationToken cancellationToken) =>
        Refusal(await StatusAsync(source, cancellationToken).ConfigureAwait(false), force);

    private static void Refusal(LedgerCopyStatus status, bool force)
    {
        if (status.UnfinishedCopyOf is { } from)
        {
            throw new LedgerCopyRefusedException($"this ledger is an unfinished copy of {from}: it holds part of a ledger. Finish that copy (run its copy-ledger again) before copying this one.");
        }

        if (!force && status.CopiedTo is { } to)
        {
            throw new LedgerCopyRefusedException($"this ledger was already copied to {to} at {status.CopiedAt:u}; that copy is the ledger now. Give --force to copy it again.");
        }
    }

    private static readonly System.Reflection.MethodInfo CopyTableMethod =
        typeof(LedgerCopier).GetMethod(nameof(CopyTableAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;

    private static Task<T> InvokeAsync<T>(this System.Reflection.MethodInfo method, params object[] arguments) => (Task<T>)method.Invoke(null, arguments)!;

    // Finds the copy to resume, or starts one: refused when the source was already copied (unless forced) or the target holds other data.
    private static async Task<(Guid CopyId, bool Resumed)> BeginAsync(LedgerCopyEndpoint source, LedgerCopyEndpoint target, LedgerCopyOptions options, CancellationToken cancellationToken)
    {
        await using var sourceDb = await source.Contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var targetDb = await target.Contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var sourceCopies = await sourceDb.Transfers.AsNoTracking().Where(t => t.Role == Source).ToListAsync(cancellationToken).ConfigureAwait(false);
        var targetCopies = await targetDb.Transfers.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);

        Refusal(await StatusAsync(source.Contexts, cancellationToken).ConfigureAwait(false), options.Force || options.Snapshot);

        // A copy this source began and the target holds a record of (COPYING, or COPIED when only the source's fence was
        // left to write) is resumed.
        var resumable = options.Snapshot
            ? [.. targetCopies.Where(t => t.Role == Target && t.State == Copying && t.Peer == source.Description).Select(t => t.Id)]
            : sourceCopies.Where(s => s.State == Copying).Select(s => s.Id).Intersect(targetCopies.Where(t => t.Role == Target).Select(t => t.Id)).ToList();
        if (resumable.Count > 0)
        {
            return (resumable[0], true);
        }

        foreach (var type in LedgerDigest.RowTypes)
        {
            if (await AnyRowAsync(targetDb, type, cancellationToken).ConfigureAwait(false))
            {
                throw new LedgerCopyRefusedException($"the target {target.Description} holds other data ({targetDb.Model.FindEntityType(type)!.GetTableName()} is not empty); copy into an empty ledger");
            }
        }

        if (targetCopies.Count > 0)
        {
            throw new LedgerCopyRefusedException($"the target {target.Description} was part of another copy; copy into an empty ledger");
        }

        var copyId = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        // The source's record first: killed before the target's is written, the target is still empty and the next run
        // starts a new copy (a COPYING record on a source fences nothing).
        if (!options.Snapshot)
        {
            sourceDb.Transfers.Add(new LedgerTransferRow { Id = copyId, Role = Source, Peer = target.Description, State = Copying, StartedAt = now });
            await sourceDb.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        targetDb.Transfers.Add(new LedgerTransferRow { Id = copyId, Role = Target, Peer = source.Description, State = Copying, StartedAt = now });
        await targetDb.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return (copyId, false);
    }

    private static Task<bool> AnyRowAsync(LedgerDbContext db, Type rowType, CancellationToken cancellationToken) =>
        (Task<bool>)typeof(LedgerCopier).GetMethod(nameof(AnyAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(rowType).Invoke(null, [db, cancellationToken])!;

    private static Task<bool> AnyAsync<TRow>(LedgerDbContext db, CancellationToken cancellationToken)
        where TRow : class => db.Set<TRow>().AnyAsync(cancellationToken);

    private sealed record TableProgress(long Rows, Guid? Last, bool Done);

    // Streams the whole table in the source's key order in the copy's snapshot, summing its digest, while a second task
    // writes the chunks read so far into the target (at most two chunks wait between them, so memory stays bounded). A
    // resumed copy skips writing the rows the target has committed, checking that the last of them is the one recorded:
    // a source written to since is refused, never merged.
    private static async Task<TableDigest> CopyTableAsync<TRow>(LedgerDbContext sourceDb, LedgerCopyEndpoint target, Guid copyId, LedgerCopyOptions options, CancellationToken cancellationToken)
        where TRow : class
    {
        var table = LedgerTable.For<TRow>(sourceDb);
        var progress = await ReadProgressAsync(target, copyId, cancellationToken).ConfigureAwait(false);
        var begun = progress.GetValueOrDefault(table.RawName) ?? new TableProgress(0, null, false);
        LedgerBulkTable targetTable;
        await using (var targetDb = await target.Contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            targetTable = LedgerBulkTable.For<TRow>(targetDb);
        }

        var key = table.Key.PropertyName;
        var total = begun.Done ? 0 : await sourceDb.Set<TRow>().LongCountAsync(cancellationToken).ConfigureAwait(false);
        var chunks = Channel.CreateBounded<(List<object> Rows, bool Done)>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = Task.Run(
            async () =>
            {
                try
                {
                    var mine = begun;
                    await foreach (var (rows, done) in chunks.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                    {
                        mine = await CommitChunkAsync(target, table, targetTable, rows, mine, done, copyId, progress, total, options, stop.Token).ConfigureAwait(false);
                    }
                }
                catch
                {
                    await stop.CancelAsync().ConfigureAwait(false); // the reader stops too
                    throw;
                }
            },
            stop.Token);

        var digest = new TableDigestBuilder(table);
        try
        {
            var skip = begun.Rows;
            Guid? lastSkipped = null;
            var resumeChecked = begun.Rows == 0;
            var chunk = new List<object>(options.ChunkRows);
            await foreach (var row in sourceDb.Set<TRow>().AsNoTracking().OrderBy(r => EF.Property<Guid>(r, key)).AsAsyncEnumerable().WithCancellation(stop.Token).ConfigureAwait(false))
            {
                digest.Add(row);
                if (skip > 0)
                {
                    skip--;
                    lastSkipped = (Guid)table.Key.Read(row)!;
                    continue;
                }

                if (!resumeChecked)
                {
                    CheckResumePoint(table, begun, lastSkipped);
                    resumeChecked = true;
                }

                if (begun.Done)
                {
                    continue; // rows added to the source after this table was copied: the verification reports them
                }

                chunk.Add(row);
                if (chunk.Count == options.ChunkRows)
                {
                    await chunks.Writer.WriteAsync((chunk, false), stop.Token).ConfigureAwait(false);
                    chunk = new List<object>(options.ChunkRows);
                }
            }

            if (skip > 0)
            {
                throw new LedgerCopyRefusedException($"{table.RawName} in the source holds fewer rows than this copy already wrote ({begun.Rows}); the source changed since the copy began. Copy into a new, empty ledger.");
            }

            if (!resumeChecked)
            {
                CheckResumePoint(table, begun, lastSkipped);
            }

            if (!begun.Done)
            {
                await chunks.Writer.WriteAsync((chunk, true), stop.Token).ConfigureAwait(false);
            }

            chunks.Writer.Complete();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await writer.ConfigureAwait(false); // the writer failed: its exception is the cause
            throw;
        }
        catch
        {
            chunks.Writer.TryComplete();
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // stopped because the reader failed
            }

            throw;
        }

        await writer.ConfigureAwait(false);
        return digest.Build();
    }

    private static void CheckResumePoint(LedgerTable table, TableProgress mine, Guid? lastSkipped)
    {
        if (mine.Rows > 0 && lastSkipped != mine.Last)
        {
            throw new LedgerCopyRefusedException($"{table.RawName} in the source is not what this copy began with (its row {mine.Rows} is no longer {mine.Last}); the source changed since the copy began. Copy into a new, empty ledger.");
        }
    }

    private static async Task<TableProgress> CommitChunkAsync(
        LedgerCopyEndpoint target, LedgerTable table, LedgerBulkTable targetTable, List<object> chunk, TableProgress mine, bool done, Guid copyId,
        Dictionary<string, TableProgress?> progress, long total, LedgerCopyOptions options, CancellationToken cancellationToken)
    {
        var next = new TableProgress(mine.Rows + chunk.Count, chunk.Count > 0 ? (Guid)table.Key.Read(chunk[^1])! : mine.Last, done);
        progress[table.RawName] = next;
        await WriteChunkAsync(target, targetTable, chunk, copyId, progress, cancellationToken).ConfigureAwait(false);
        options.Progress?.Invoke(table.RawName, next.Rows, total);
        options.AfterChunk?.Invoke(table.RawName, next.Rows);
        return next;
    }

    // A chunk and the progress it makes are one transaction on the target.
    private static async Task WriteChunkAsync(LedgerCopyEndpoint target, LedgerBulkTable table, List<object> rows, Guid copyId, Dictionary<string, TableProgress?> progress, CancellationToken cancellationToken)
    {
        await using var db = await target.Contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await db.Database.CreateExecutionStrategy().ExecuteAsync(
            async ct =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
                if (rows.Count > 0)
                {
                    await target.Writer.WriteAsync(db, table, rows, ct).ConfigureAwait(false);
                }

                var record = await db.Transfers.SingleAsync(t => t.Id == copyId && t.Role == Target, ct).ConfigureAwait(false);
                record.Progress = JsonSerializer.Serialize(progress);
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Dictionary<string, TableProgress?>> ReadProgressAsync(LedgerCopyEndpoint target, Guid copyId, CancellationToken cancellationToken)
    {
        await using var db = await target.Contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var record = await db.Transfers.AsNoTracking().SingleAsync(t => t.Id == copyId && t.Role == Target, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize<Dictionary<string, TableProgress?>>(record.Progress) ?? [];
    }

    // The target's checksums (read already, or being read), then its invariants: one after the other (side by side, on two
    // cores shared with the database, they took longer than in turn).
    private static async Task<LedgerCopyReport> CheckTargetAsync(
        Guid copyId, bool resumed, IReadOnlyList<TableDigest> sourceDigests, Task<TableDigest[]> targetDigests, LedgerCopyEndpoint target,
        Func<CancellationToken, Task<IReadOnlyList<string>>>? checkTarget, CancellationToken cancellationToken)
    {
        var targetRead = await targetDigests.ConfigureAwait(false);
        IReadOnlyList<string> violations = checkTarget is null ? [] : await checkTarget(cancellationToken).ConfigureAwait(false);
        return Report(copyId, resumed, sourceDigests, targetRead) with { TargetViolations = violations };
    }

    private static async Task<bool> ChecksWholeDatabaseAsync(LedgerCopyEndpoint endpoint, CancellationToken cancellationToken)
    {
        await using var db = await endpoint.Contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return Writes.LedgerProvider.Of(db).ChecksWholeDatabase;
    }

    private static LedgerCopyReport Report(Guid copyId, bool resumed, IReadOnlyList<TableDigest> sourceDigests, IReadOnlyList<TableDigest> targetDigests) =>
        new(copyId, [.. sourceDigests.Zip(targetDigests, (s, t) => new TableComparison(s, t))], LedgerDigest.Differences(sourceDigests, targetDigests), resumed);

    private static Task<IReadOnlyList<TableDigest>> DigestAsync(LedgerCopyEndpoint endpoint, CancellationToken cancellationToken) =>
        LedgerDigest.ComputeAsync(endpoint.Contexts, cancellationToken);

    private static async Task FinishAsync(LedgerCopyEndpoint source, LedgerCopyEndpoint target, Guid copyId, bool snapshot, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (endpoint, role) in snapshot ? [(target, Target)] : new[] { (target, Target), (source, Source) })
        {
            await using var db = await endpoint.Contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var record = await db.Transfers.SingleAsync(t => t.Id == copyId && t.Role == role, cancellationToken).ConfigureAwait(false);
            record.State = Copied;
            record.FinishedAt = now;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
