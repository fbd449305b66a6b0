using System.Data;
using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence.Configurations;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Persistence.Rows;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Persistence.Retention;

/// <summary>The tables prune may remove rows from: the ledger's history of observations, never its records of money.</summary>
public enum PrunableTable
{
    /// <summary><c>funding_snapshots</c>, by <c>snapshot_at</c>.</summary>
    FundingSnapshots,

    /// <summary><c>state_snapshots</c>, by <c>reconciled_at</c>.</summary>
    StateSnapshots,

    /// <summary><c>audit_log</c>, by <c>created_at</c>, except the events that explain a current state.</summary>
    AuditLog,
}

/// <summary>What a prune is to do.</summary>
public sealed record LedgerPruneRequest
{
    /// <summary>Per table, the time before which its rows go; a table not named here is left alone.</summary>
    public required IReadOnlyDictionary<PrunableTable, DateTimeOffset> Before { get; init; }

    /// <summary>The archive file the rows are written to before any is deleted (a new file; required unless <see cref="DryRun"/>).</summary>
    public string? ArchivePath { get; init; }

    /// <summary>Count what would go, write and delete nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>How the archive's header names the ledger (never with a password).</summary>
    public string Ledger { get; init; } = "";

    /// <summary>Called with the archive's path once it is written, before it is read back (tests damage it here).</summary>
    public Action<string>? ArchiveWritten { get; init; }
}

/// <summary>One table of a prune.</summary>
/// <param name="Table">The table.</param>
/// <param name="Before">Rows older than this went (or would go).</param>
/// <param name="Rows">How many rows went (or would go).</param>
/// <param name="Kept">Rows older than <paramref name="Before"/> that stay because they explain a current state (an open halt, a live order).</param>
/// <param name="Checksum">The order-independent checksum of the rows that went, as <see cref="LedgerDigest"/> computes it.</param>
/// <param name="Oldest">The oldest row that went; null when none.</param>
/// <param name="Newest">The newest row that went; null when none.</param>
public sealed record PrunedTable(string Table, DateTimeOffset Before, long Rows, long Kept, ulong Checksum, DateTimeOffset? Oldest, DateTimeOffset? Newest)
{
    /// <summary>
    /// The partitions (a Postgres ledger partitioned by month) that went whole, detached and dropped, their rows archived
    /// and counted in <see cref="Rows"/> like the rest; empty when every row went one by one.
    /// </summary>
    public IReadOnlyList<string> DroppedPartitions { get; init; } = [];
}

/// <summary>What a prune did (or, dry, would do).</summary>
/// <param name="Tables">Each table pruned.</param>
/// <param name="Archive">The archive written; null for a dry run.</param>
/// <param name="DryRun">True when nothing was written or deleted.</param>
public sealed record LedgerPruneReport(IReadOnlyList<PrunedTable> Tables, string? Archive, bool DryRun);

/// <summary>A prune that deleted nothing: its archive did not read back as written, or the ledger changed under it.</summary>
public sealed class LedgerPruneRefusedException(string message) : Exception(message);

/// <summary>
/// Retention: archives, checks and then deletes old funding snapshots, state snapshots and audit events, never an audit
/// event that explains a current state (an open halt, a live order). Nothing is deleted unless the archive reads back as
/// written and the rows are still exactly the archived ones. On a ledger partitioned by month, a month wholly before the
/// cutoff whose rows were all archived is detached and dropped instead of deleted row by row, in the same transaction.
/// See the project's README for the archive's format.
/// </summary>
public static class LedgerPruner
{
    /// <summary>The archive's format name, in its header.</summary>
    public const string ArchiveFormat = "tradingbot-ledger-prune-archive";

    private const int IdsPerStatement = 500;

    private static readonly IPrunable[] Tables =
    [
        new Prunable<FundingSnapshotRow>(PrunableTable.FundingSnapshots, before => r => r.SnapshotAt < before, r => r.SnapshotAt),
        new Prunable<StateSnapshotRow>(PrunableTable.StateSnapshots, before => r => r.ReconciledAt < before, r => r.ReconciledAt),
        new Prunable<AuditLogRow>(PrunableTable.AuditLog, before => r => r.CreatedAt < before, r => r.CreatedAt),
    ];

    /// <summary>Prunes <paramref name="contexts"/>' ledger as <paramref name="request"/> says.</summary>
    /// <exception cref="LedgerPruneRefusedException">Nothing was deleted: the archive did not read back as written, or the rows changed.</exception>
    public static async Task<LedgerPruneReport> PruneAsync(IDbContextFactory<LedgerDbContext> contexts, LedgerPruneRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(request);
        var tables = Tables.Where(t => request.Before.ContainsKey(t.Kind)).ToList();
        string? archive = null, partial = null;
        if (!request.DryRun)
        {
            archive = Path.GetFullPath(request.ArchivePath ?? throw new ArgumentException("a prune that is not a dry run needs an archive path", nameof(request)));
            if (File.Exists(archive))
            {
                throw new IOException($"{archive} exists; a prune archive never overwrites a file. Name a new one.");
            }

            partial = archive + ".partial"; // one left by a prune that stopped before its archive was checked is replaced: nothing was deleted then
        }

        // What goes, read in one snapshot and written to the archive (an attempt after a transient failure starts both again).
        List<Selection> selected;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            selected = await db.Database.CreateExecutionStrategy().ExecuteAsync(
                async ct =>
                {
                    var selections = new List<Selection>();
                    await using var snapshot = await db.Database.BeginTransactionAsync(Writes.LedgerProvider.Of(db).SnapshotIsolation, ct).ConfigureAwait(false);
                    var protection = await Protection.LoadAsync(db, ct).ConfigureAwait(false);
                    if (partial is not null)
                    {
                        File.Delete(partial);
                    }

                    await using var writer = partial is null ? null : PruneArchive.Create(partial, request, tables.Select(t => (t.Name(db), request.Before[t.Kind])));
                    foreach (var table in tables)
                    {
                        selections.Add(await table.SelectAsync(db, request.Before[table.Kind], protection, writer, ct).ConfigureAwait(false));
                    }

                    writer?.Finish(selections.Select(s => s.Digest));
                    return selections;
                },
                cancellationToken).ConfigureAwait(false);
        }

        var report = new LedgerPruneReport([.. selected.Select(s => s.Report)], archive, request.DryRun);
        if (request.DryRun || selected.All(s => s.Ids.Count == 0))
        {
            if (partial is not null)
            {
                File.Delete(partial);
            }

            return request.DryRun ? report : report with { Archive = null };
        }

        // The archive, read back from disk, must hold exactly the rows read; only then does it get its name.
        request.ArchiveWritten?.Invoke(partial!);
        IReadOnlyList<TableDigest> archived;
        try
        {
            archived = await PruneArchive.ReadAsync(partial!, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new LedgerPruneRefusedException($"the archive does not read back: {e.Message}; nothing was deleted.");
        }

        var expected = selected.Select(s => s.Digest).ToList();
        if (!archived.SequenceEqual(expected))
        {
            throw new LedgerPruneRefusedException(
                $"the archive {partial} does not read back as written ({string.Join("; ", LedgerDigest.Differences(expected, archived))}); nothing was deleted.");
        }

        File.Move(partial!, archive!);

        // The rows go in one transaction, only if they are still exactly what the archive holds.
        var dropped = new List<IReadOnlyList<string>>();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await db.Database.CreateExecutionStrategy().ExecuteAsync(
                async ct =>
                {
                    db.ChangeTracker.Clear();

                    // A partitioned table's months wholly before its cut-off may go whole: found before the transaction and
                    // locked against writes as its first statement, so its snapshot holds every row they will ever hold.
                    var wholeMonths = new Dictionary<PrunableTable, IReadOnlyList<Partitions.TablePartition>>();
                    var partitions = Writes.LedgerProvider.Of(db).Partitions;
                    foreach (var (table, selection) in tables.Zip(selected))
                    {
                        wholeMonths[table.Kind] = partitions is null || selection.Ids.Count == 0
                            ? []
                            : [.. (await partitions.PartitionsAsync(db, table.Name(db), ct).ConfigureAwait(false)).Where(p => !p.IsDefault && p.Until <= request.Before[table.Kind])];
                    }

                    // RepeatableRead: Postgres's REPEATABLE READ (a row changed under the delete fails it); SQLite's BEGIN IMMEDIATE.
                    await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
                    if (partitions is not null)
                    {
                        await partitions.LockAsync(db, [.. wholeMonths.Values.SelectMany(p => p)], ct).ConfigureAwait(false);
                    }

                    var protection = await Protection.LoadAsync(db, ct).ConfigureAwait(false);
                    dropped.Clear();
                    foreach (var (table, selection) in tables.Zip(selected))
                    {
                        dropped.Add(await table.DeleteAsync(db, selection, protection, wholeMonths[table.Kind], archive!, ct).ConfigureAwait(false));
                    }

                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }

        return report with { Tables = [.. report.Tables.Zip(dropped, (t, d) => t with { DroppedPartitions = d })] };
    }

    /// <summary>
    /// Reads a prune archive through and checks every table's rows against the counts and checksums its trailer gives.
    /// </summary>
    /// <returns>Each table's digest, in the archive's order.</returns>
    /// <exception cref="InvalidDataException">The archive is not a prune archive, is cut short, or its rows do not match its trailer.</exception>
    public static Task<IReadOnlyList<TableDigest>> ReadArchiveAsync(string path, CancellationToken cancellationToken) =>
        PruneArchive.ReadAsync(path, cancellationToken);

    private sealed record Selection(TableDigest Digest, List<Guid> Ids, PrunedTable Report);

    private interface IPrunable
    {
        PrunableTable Kind { get; }

        string Name(LedgerDbContext db);

        Task<Selection> SelectAsync(LedgerDbContext db, DateTimeOffset before, Protection protection, PruneArchive? writer, CancellationToken cancellationToken);

        /// <summary>Deletes the selection's rows; returns the partitions dropped whole.</summary>
        Task<IReadOnlyList<string>> DeleteAsync(LedgerDbContext db, Selection selection, Protection protection, IReadOnlyList<Partitions.TablePartition> wholeMonths, string archive, CancellationToken cancellationToken);
    }

    private sealed class Prunable<TRow>(PrunableTable kind, Func<DateTimeOffset, Expression<Func<TRow, bool>>> older, Func<TRow, DateTimeOffset?> time) : IPrunable
        where TRow : class
    {
        public PrunableTable Kind => kind;

        public string Name(LedgerDbContext db) => LedgerTable.For<TRow>(db).RawName;

        public async Task<Selection> SelectAsync(LedgerDbContext db, DateTimeOffset before, Protection protection, PruneArchive? writer, CancellationToken cancellationToken)
        {
            var table = LedgerTable.For<TRow>(db);
            var digest = new TableDigestBuilder(table);
            var ids = new List<Guid>();
            long kept = 0;
            DateTimeOffset? oldest = null, newest = null;
            var rows = db.Set<TRow>().AsNoTracking().Where(older(before)).OrderBy(r => EF.Property<Guid>(r, table.Key.PropertyName));
            await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (protection.Protects(row))
                {
                    kept++;
                    continue;
                }

                digest.Add(row);
                ids.Add((Guid)table.Key.Read(row)!);
                writer?.Add(table, row);
                var at = time(row);
                oldest = at < oldest || oldest is null ? at : oldest;
                newest = at > newest || newest is null ? at : newest;
            }

            var summary = digest.Build();
            return new Selection(summary, ids, new PrunedTable(table.RawName, before, summary.Rows, kept, summary.Checksum, oldest, newest));
        }

        public async Task<IReadOnlyList<string>> DeleteAsync(
            LedgerDbContext db, Selection selection, Protection protection, IReadOnlyList<Partitions.TablePartition> wholeMonths, string archive, CancellationToken cancellationToken)
        {
            var table = LedgerTable.For<TRow>(db);
            var key = table.Key.PropertyName;
            var again = new TableDigestBuilder(table);
            var deleted = 0;

            // A month wholly before the cut-off goes whole (detached and dropped, after the row deletes) when every row in it
            // is an archived one and none explains a current state; otherwise its archived rows go one by one.
            var remaining = new HashSet<Guid>(selection.Ids);
            var whole = new List<Partitions.TablePartition>();
            foreach (var partition in wholeMonths)
            {
                var rows = new List<TRow>();
                await foreach (var row in db.Set<TRow>().FromSqlRaw(Writes.LedgerProvider.Of(db).Partitions!.SelectAll(partition)).AsNoTracking().AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(row);
                }

                if (rows.Count == 0 || rows.Any(protection.Protects) || !rows.All(r => remaining.Contains((Guid)table.Key.Read(r)!)))
                {
                    continue;
                }

                foreach (var row in rows)
                {
                    remaining.Remove((Guid)table.Key.Read(row)!);
                    again.Add(row);
                }

                deleted += rows.Count;
                whole.Add(partition);
            }

            foreach (var chunk in selection.Ids.Where(remaining.Contains).Chunk(IdsPerStatement))
            {
                var rows = db.Set<TRow>().Where(r => chunk.Contains(EF.Property<Guid>(r, key)));
                foreach (var row in await rows.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (protection.Protects(row))
                    {
                        throw new LedgerPruneRefusedException($"a row of {table.RawName} archived for deletion ({table.Key.Read(row)}) now explains a current state (an open halt or a live order); nothing was deleted. Run prune again.");
                    }

                    again.Add(row);
                }

                deleted += await rows.ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            }

            if (again.Build() != selection.Digest || deleted != selection.Ids.Count)
            {
                throw Changed(table, selection, deleted, archive);
            }

            foreach (var partition in whole)
            {
                await Writes.LedgerProvider.Of(db).Partitions!.DropAsync(db, table.RawName, partition, cancellationToken).ConfigureAwait(false);
            }

            return [.. whole.Select(p => p.Name)];
        }

        private static LedgerPruneRefusedException Changed(LedgerTable table, Selection selection, int deleted, string archive) =>
            new($"{table.RawName} changed between its archiving and its deletion ({deleted} of {selection.Ids.Count} archived rows found to delete, or their contents differ); nothing was deleted. "
                + $"{archive} holds the rows as they were; run prune again into a new archive.");
    }

    // What a prune keeps although it is old: audit events about a symbol whose halt is open (from the halt's start on) and
    // about an order that is still live.
    private sealed class Protection
    {
        private static readonly string[] OrderFields = ["idempotency_key", "client_order_id", "order_id", "exchange_order_id"];

        private readonly HashSet<string> _liveOrders;
        private readonly List<SymbolHaltRow> _openHalts;

        private Protection(HashSet<string> liveOrders, List<SymbolHaltRow> openHalts) => (_liveOrders, _openHalts) = (liveOrders, openHalts);

        public static async Task<Protection> LoadAsync(LedgerDbContext db, CancellationToken cancellationToken)
        {
            string[] live = ["PENDING", "OPEN", "PARTIALLY_FILLED"];
            var orders = await db.Orders.AsNoTracking().Where(o => live.Contains(o.Status)).Select(o => new { o.Id, o.IdempotencyKey, o.ExchangeOrderId })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var references = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var order in orders)
            {
                references.Add(order.Id.ToString("D"));
                if (order.IdempotencyKey is { } key)
                {
                    references.Add(key);
                }

                if (order.ExchangeOrderId is { } exchangeId)
                {
                    references.Add(exchangeId);
                    references.Add(exchangeId[(exchangeId.LastIndexOf(':') + 1)..]); // the exchange's own id, as an event may quote it
                }
            }

            var halts = await db.SymbolHalts.AsNoTracking().Where(h => h.ReleasedAt == null).ToListAsync(cancellationToken).ConfigureAwait(false);
            return new Protection(references, halts);
        }

        public bool Protects(object row)
        {
            if (row is not AuditLogRow audit || (_liveOrders.Count == 0 && _openHalts.Count == 0))
            {
                return false;
            }

            var fields = Fields(audit.EventData);
            if (OrderFields.Any(f => fields.TryGetValue(f, out var value) && _liveOrders.Contains(value)))
            {
                return true;
            }

            fields.TryGetValue("symbol", out var symbol);
            fields.TryGetValue("exchange", out var exchange);
            var halted = fields.TryGetValue("halted", out var list) ? list.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
            return _openHalts.Any(h => audit.CreatedAt >= h.HaltedAt
                && ((symbol == h.Symbol && (exchange is null || exchange == h.Exchange)) || (halted.Contains(h.Symbol) && (exchange is null || exchange == h.Exchange))));
        }

        // An event's fields: a flat JSON object of strings (anything else is read as no fields, and so protects nothing).
        private static Dictionary<string, string> Fields(string json)
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                using var document = JsonDocument.Parse(json);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in document.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
                    {
                        fields[property.Name] = property.Value.GetString()!;
                    }
                }
            }
            catch (JsonException)
            {
                // not JSON: no fields
            }

            return fields;
        }
    }
}
