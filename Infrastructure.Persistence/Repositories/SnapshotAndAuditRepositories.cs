using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Reconciliation;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>State snapshots, stored as JSON (jsonb on Postgres), once by id (<see cref="LedgerSession.InsertOnceAsync"/>).</summary>
internal sealed class StateSnapshotRepository(LedgerSession session) : IStateSnapshotRepository
{
    public Task AddAsync(StateSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return session.InsertOnceAsync(new StateSnapshotRow { Id = snapshot.Id, Snapshot = LedgerJson.Serialize(snapshot), ReconciledAt = snapshot.ReconciledAt }, cancellationToken);
    }

    public async Task<StateSnapshot?> GetLatestAsync(ExchangeName exchange, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);

        // The exchange lives inside the JSON, so the newest snapshots are read a page at a time until one is of this
        // exchange; a bot that reconciles with one exchange finds it in the first page.
        const int Page = 16;
        for (var skip = 0; ; skip += Page)
        {
            var rows = await db.StateSnapshots.AsNoTracking()
                .OrderByDescending(s => s.ReconciledAt).ThenByDescending(s => s.Id)
                .Skip(skip).Take(Page)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var match = rows.Select(r => LedgerJson.DeserializeSnapshot(r.Id, r.ReconciledAt, r.Snapshot)).FirstOrDefault(s => s.Exchange == exchange);
            if (match is not null || rows.Count < Page)
            {
                return match;
            }
        }
    }
}

/// <summary>
/// The audit log, stored as JSON objects (jsonb on Postgres). An event is stored once by its id
/// (<see cref="LedgerSession.InsertOnceAsync"/>): callers make it before the unit of work, so that every attempt appends the same one.
/// </summary>
internal sealed class AuditLog(LedgerSession session) : IAuditLog
{
    public Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        return session.InsertOnceAsync(
            new AuditLogRow
            {
                Id = auditEvent.Id,
                EventType = auditEvent.Type.ToCode(),
                EventData = LedgerJson.Serialize(auditEvent.Data),
                CreatedAt = auditEvent.CreatedAt,
            },
            cancellationToken);
    }

    public Task<bool> ContainsAsync(Guid id, CancellationToken cancellationToken) => session.IsStoredAsync<AuditLogRow>(id, cancellationToken);

    public async Task<IReadOnlyList<AuditEvent>> GetRecentAsync(AuditEventType? type, int limit, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var query = db.AuditLog.AsNoTracking();
        if (type is { } t)
        {
            var code = t.ToCode();
            query = query.Where(a => a.EventType == code);
        }

        var rows = await query.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => LedgerJson.DeserializeAudit(r.Id, r.EventType, r.EventData, r.CreatedAt ?? DateTimeOffset.UnixEpoch))];
    }
}
