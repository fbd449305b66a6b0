using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence.Rows;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Persistence.Copy;

/// <summary>One table of a ledger summed up: its row count and an order-independent checksum of its canonical rows.</summary>
/// <param name="Table">The table.</param>
/// <param name="Rows">How many rows it holds.</param>
/// <param name="Checksum">The sum (mod 2^64) of each row's hash (<see cref="LedgerCanonicalForm.Hash"/>): any changed, missing or extra row changes it.</param>
public sealed record TableDigest(string Table, long Rows, ulong Checksum);

/// <summary>The ledger's tables, in the order a copy writes them (an order before its fills), and their digests.</summary>
public static class LedgerDigest
{
    /// <summary>The tables the ledger's invariants (<c>verify</c>) read, in copy order: a copy writes them first.</summary>
    public static IReadOnlyList<Type> InvariantTables { get; } = [typeof(OrderRow), typeof(FillRow), typeof(PositionRow), typeof(FundingPaymentRow), typeof(PnlDayRow)];

    /// <summary>
    /// Every table of the ledger's data, in copy order (an order before its fills; the tables <c>verify</c> reads before the
    /// history, so it can check them while the history is copied); <c>ledger_transfers</c> (the copies' own bookkeeping) is not one.
    /// </summary>
    public static IReadOnlyList<Type> RowTypes { get; } =
        [.. InvariantTables, typeof(SymbolHaltRow), typeof(FundingSnapshotRow), typeof(StateSnapshotRow), typeof(AuditLogRow)];

    /// <summary>The digests of every table, streamed row by row in bounded memory (in the context's current transaction, if any).</summary>
    public static async Task<IReadOnlyList<TableDigest>> ComputeAsync(LedgerDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var digests = new List<TableDigest>();
        foreach (var type in RowTypes)
        {
            digests.Add(await ForTable(type)(db, cancellationToken).ConfigureAwait(false));
        }

        return digests;
    }

    /// <summary>
    /// The digests of every table of <paramref name="contexts"/>' ledger, read in one snapshot under the context's
    /// execution strategy (so the rows stream instead of being buffered to allow a retry).
    /// </summary>
    public static Task<IReadOnlyList<TableDigest>> ComputeAsync(IDbContextFactory<LedgerDbContext> contexts, CancellationToken cancellationToken) =>
        InSnapshotAsync(contexts, ComputeAsync, cancellationToken);

    /// <summary>The digest of one table (<paramref name="rowType"/>) of <paramref name="contexts"/>' ledger, read in one snapshot.</summary>
    public static Task<TableDigest> ComputeAsync(IDbContextFactory<LedgerDbContext> contexts, Type rowType, CancellationToken cancellationToken) =>
        InSnapshotAsync(contexts, ForTable(rowType), cancellationToken);

    // A read in one snapshot under the context's execution strategy, so the rows stream instead of being buffered for a retry.
    private static async Task<T> InSnapshotAsync<T>(IDbContextFactory<LedgerDbContext> contexts, Func<LedgerDbContext, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(
            async ct =>
            {
                await using var snapshot = await db.Database.BeginTransactionAsync(Writes.LedgerProvider.Of(db).SnapshotIsolation, ct).ConfigureAwait(false);
                return await read(db, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One line per table whose digests differ; empty when the two ledgers hold the same rows.</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyList<TableDigest> source, IReadOnlyList<TableDigest> target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        return [.. source.Zip(target).Where(p => p.First != p.Second).Select(p =>
            p.First.Rows != p.Second.Rows
                ? $"{p.First.Table}: the source holds {p.First.Rows} row(s), the target {p.Second.Rows}"
                : $"{p.First.Table}: {p.First.Rows} row(s) on both sides, but their contents differ (checksum {p.First.Checksum:x16} against {p.Second.Checksum:x16})")];
    }

    private static Func<LedgerDbContext, CancellationToken, Task<TableDigest>> ForTable(Type rowType) =>
        (db, ct) => (Task<TableDigest>)typeof(LedgerDigest).GetMethod(nameof(TableAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(rowType).Invoke(null, [db, ct])!;

    private static async Task<TableDigest> TableAsync<TRow>(LedgerDbContext db, CancellationToken cancellationToken)
        where TRow : class
    {
        var digest = new TableDigestBuilder(LedgerTable.For<TRow>(db));
        await foreach (var row in db.Set<TRow>().AsNoTracking().AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            digest.Add(row);
        }

        return digest.Build();
    }
}

/// <summary>Sums a table's digest one row at a time, in any order.</summary>
internal sealed class TableDigestBuilder(LedgerTable table)
{
    private readonly CanonicalRowHasher _hasher = new(table);
    private long _rows;
    private ulong _checksum;

    public void Add(object row)
    {
        _rows++;
        _checksum = unchecked(_checksum + _hasher.Hash(row));
    }

    public TableDigest Build() => new(table.RawName, _rows, _checksum);
}
