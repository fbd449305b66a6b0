using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence.Rows;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>
/// One unit of work's view of the ledger. Reads run as they come, outside any transaction; writes are
/// staged and sent as one atomic batch when the unit of work commits. Each update carries the values this
/// session read, so a row changed by someone else meanwhile fails the batch and the unit of work runs again.
/// A read after a staged write first sends the writes (the session always reads its own writes); a
/// transaction is begun then, so that those writes and the rest of the unit still commit together.
/// </summary>
internal sealed class LedgerSession : ILedgerSession, IAsyncDisposable
{
    private readonly LedgerWriteBatch _writes = new();
    private readonly LedgerProvider _provider;
    private readonly CommittedRows _committed;
    private readonly bool _firstAttempt;
    private readonly bool _readOnly;
    // The rows this unit writes, latest values by key: remembered once the unit commits.
    private readonly Dictionary<Guid, OrderRow> _ordersWritten = [];
    private readonly Dictionary<(string Exchange, string Symbol), PositionRow> _positionsWritten = [];
    private readonly List<string> _fillIdsWritten = [];
    private IDbContextTransaction? _transaction;

    /// <summary>
    /// A session on <paramref name="db"/> for one attempt of a unit of work. Only a unit's <paramref name="firstAttempt"/>
    /// may take record-fill's rows from <paramref name="committed"/> instead of reading them.
    /// </summary>
    public LedgerSession(LedgerDbContext db, CommittedRows committed, bool firstAttempt, bool readOnly = false)
    {
        Db = db;
        _committed = committed;
        _firstAttempt = firstAttempt;
        _readOnly = readOnly;
        _provider = LedgerProvider.Of(db);
    }

    public LedgerDbContext Db { get; }

    // The repositories are created on first use: a unit of work uses a few of them.

    public IOrderRepository Orders => field ??= new OrderRepository(this);

    public IFillRepository Fills => field ??= new FillRepository(this);

    public IPositionRepository Positions => field ??= new PositionRepository(this);

    public IFundingSnapshotRepository FundingSnapshots => field ??= new FundingSnapshotRepository(this);

    public IFundingPaymentRepository FundingPayments => field ??= new FundingPaymentRepository(this);

    public IStateSnapshotRepository StateSnapshots => field ??= new StateSnapshotRepository(this);

    public IAuditLog Audit => field ??= new AuditLog(this);

    public ISymbolHaltRepository Halts => field ??= new SymbolHaltRepository(this);

    public IPnlDayRepository PnlDays => field ??= new PnlDayRepository(this);

    /// <summary>Orders as this session last read or wrote them, by id: what an update expects to find.</summary>
    public Dictionary<Guid, OrderRow> OrdersSeen { get; } = [];

    /// <summary>Positions as this session last read or wrote them (null: there was none), by exchange and symbol.</summary>
    public Dictionary<(string Exchange, string Symbol), PositionRow?> PositionsSeen { get; } = [];

    /// <summary>True once this session took committed rows instead of reading them: a failure may then come from stale rows.</summary>
    public bool UsedCommittedRows { get; private set; }

    /// <summary>
    /// The order and its position as this ledger's last committed units wrote them, when this session may use
    /// them and both are remembered (see <see cref="CommittedRows"/>). They become what this session's updates expect.
    /// </summary>
    public bool TryUseCommitted(Guid orderId, string exchangeFillId, out OrderRow order, out PositionRow position)
    {
        // Only as the unit's first step: a session that has read or staged anything decides on its own rows.
        if (!_firstAttempt || OrdersSeen.Count > 0 || PositionsSeen.Count > 0 || !_writes.IsEmpty || _transaction is not null
            || !_committed.TryGet(orderId, exchangeFillId, out order, out position))
        {
            order = null!;
            position = null!;
            return false;
        }

        UsedCommittedRows = true;
        OrdersSeen[order.Id] = order;
        PositionsSeen[(order.Exchange, order.Symbol)] = position;
        return true;
    }

    /// <summary>Remembers that a fill id is stored (a read found it): a later delivery of it is answered by a read, not a failing write.</summary>
    public void NoteFillStored(string exchangeFillId) => _committed.Add([], [], [exchangeFillId]);

    /// <summary>Sends staged writes, if any, before a read.</summary>
    public async Task<LedgerDbContext> ForReadAsync(CancellationToken cancellationToken)
    {
        if (!_writes.IsEmpty)
        {
            await FlushAsync(last: false, cancellationToken).ConfigureAwait(false);
        }

        return Db;
    }

    /// <summary>Stages the insert of a new row.</summary>
    public void Insert<TRow>(TRow row)
        where TRow : class
    {
        var table = LedgerTable.For<TRow>(Db);
        RefuseWriteIfReadOnly(table);
        _writes.Insert(table, row);
        NoteWritten(row);
    }

    /// <summary>
    /// Stages an addition: <paramref name="row"/> is inserted, or its <paramref name="added"/> properties are added to the
    /// stored row that holds its <paramref name="foundBy"/> properties' values (a UNIQUE constraint's columns).
    /// </summary>
    public void Accumulate<TRow>(TRow row, IReadOnlyList<string> foundBy, IReadOnlyList<string> added)
        where TRow : class
    {
        var table = LedgerTable.For<TRow>(Db);
        RefuseWriteIfReadOnly(table);
        _writes.Accumulate(table, row, [.. foundBy.Select(table.Column).OrderBy(c => c.Index)], [.. added.Select(table.Column).OrderBy(c => c.Index)]);
    }

    /// <summary>
    /// Stages the insert of a row whose only identity is its client-made key (an audit event, a snapshot), so that the
    /// same row is stored once. A unit's first attempt sends no read: a row already stored fails the batch on the
    /// primary key, and the unit runs again. A later attempt, which may follow a commit that landed although its answer
    /// was lost, first asks whether the row is stored and stages nothing if it is.
    /// </summary>
    public async Task InsertOnceAsync<TRow>(TRow row, CancellationToken cancellationToken)
        where TRow : class
    {
        if (!_firstAttempt && await IsStoredAsync<TRow>(UuidKey(row).Id, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        Insert(row);
    }

    /// <summary>
    /// Stages the insert of a new row whose key this attempt has just made (a fill, a funding payment). No earlier
    /// attempt and no other unit can have stored that key, so the row also tells whether this unit's commit landed
    /// when its answer is lost: see <see cref="CommitLandedCheck"/>.
    /// </summary>
    public void InsertNew<TRow>(TRow row)
        where TRow : class
    {
        Insert(row);
        if (CommitLandedCheck is null)
        {
            var (key, id) = UuidKey(row);
            CommitLandedCheck = (db, ct) => IsStoredAsync<TRow>(db, key, id, ct);
        }
    }

    /// <summary>
    /// Asks a database (through a fresh context) whether this attempt's commit landed: true when the first row staged
    /// with <see cref="InsertNew"/> is stored. Null when the unit staged no such row, so that it cannot be told.
    /// </summary>
    public Func<LedgerDbContext, CancellationToken, Task<bool>>? CommitLandedCheck { get; private set; }

    /// <summary>True when a <typeparamref name="TRow"/> with this uuid key is stored (this unit's staged writes sent first).</summary>
    public async Task<bool> IsStoredAsync<TRow>(Guid id, CancellationToken cancellationToken)
        where TRow : class
    {
        var db = await ForReadAsync(cancellationToken).ConfigureAwait(false);
        return await IsStoredAsync<TRow>(db, LedgerTable.For<TRow>(Db).Key, id, cancellationToken).ConfigureAwait(false);
    }

    private (LedgerColumn Key, Guid Id) UuidKey<TRow>(TRow row)
        where TRow : class
    {
        var key = LedgerTable.For<TRow>(Db).Key;
        return (key, key.Read(row) as Guid? ?? throw new InvalidOperationException($"{typeof(TRow).Name} has no client-made uuid key"));
    }

    private static Task<bool> IsStoredAsync<TRow>(LedgerDbContext db, LedgerColumn key, Guid id, CancellationToken cancellationToken)
        where TRow : class =>
        db.Set<TRow>().AsNoTracking().AnyAsync(r => EF.Property<Guid>(r, key.PropertyName) == id, cancellationToken);

    /// <summary>True when <paramref name="row"/> (by key) is staged in this unit and not sent yet.</summary>
    public bool IsStaged<TRow>(TRow row)
        where TRow : class => _writes.IsStaged(LedgerTable.For<TRow>(Db), row);

    /// <summary>
    /// Stages an update of every column the model lets an update set, to <paramref name="row"/>'s values, expecting the
    /// row's concurrency tokens to still hold <paramref name="seen"/>'s values (the row this unit read or recalled; none
    /// when it did neither).
    /// </summary>
    public void Update<TRow>(TRow row, TRow? seen)
        where TRow : class
    {
        var table = LedgerTable.For<TRow>(Db);
        RefuseWriteIfReadOnly(table);
        if (table.Expected.Count == 0)
        {
            throw new InvalidOperationException($"{table.RawName} declares no concurrency token: an update of it could overwrite a change it never saw");
        }

        _writes.Update(table, row, table.Updated, seen, seen is null ? [] : table.Expected);
        NoteWritten(row);
    }

    private void RefuseWriteIfReadOnly(LedgerTable table)
    {
        if (_readOnly)
        {
            throw new InvalidOperationException(
                $"a read-only unit of work (IUnitOfWork.ReadAsync) tried to write to {table.RawName}; nothing was written. Run writes through IUnitOfWork.ExecuteAsync");
        }
    }

    /// <summary>Sends what is staged and commits: the unit of work's writes become durable together, or not at all.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(last: true, cancellationToken).ConfigureAwait(false);
        if (_ordersWritten.Count + _positionsWritten.Count + _fillIdsWritten.Count > 0)
        {
            _committed.Add(_ordersWritten.Values, _positionsWritten.Values, _fillIdsWritten);
        }
    }

    // What CommittedRows keeps: orders, positions and the ids of fills.
    private void NoteWritten(object row)
    {
        switch (row)
        {
            case OrderRow order:
                _ordersWritten[order.Id] = order;
                break;
            case PositionRow position:
                _positionsWritten[(position.Exchange, position.Symbol)] = position;
                break;
            case FillRow fill:
                _fillIdsWritten.Add(fill.ExchangeFillId);
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync().ConfigureAwait(false);
            _transaction = null;
        }
    }

    /// <summary>
    /// Sends the staged writes as one batch, in an explicit transaction when the provider's batch needs one or when reads
    /// follow (the last flush commits it); otherwise the batch is one atomic statement.
    /// </summary>
    private async Task FlushAsync(bool last, CancellationToken cancellationToken)
    {
        if (!_writes.IsEmpty)
        {
            if (_transaction is null && (_provider.BatchNeedsTransaction || !last))
            {
                _transaction = await Db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            }

            var statements = _writes.Statements;
            var written = await _writes.ExecuteAsync(Db, _provider, cancellationToken).ConfigureAwait(false);
            _provider.CheckRowsWritten(statements, written);

            _writes.Clear();
        }

        if (last && _transaction is not null)
        {
            await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            await _transaction.DisposeAsync().ConfigureAwait(false);
            _transaction = null;
        }
    }
}
