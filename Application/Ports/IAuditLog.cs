using TradingBot.Domain.Audit;

namespace TradingBot.Application.Ports;

/// <summary>The append-only audit log.</summary>
public interface IAuditLog
{
    /// <summary>
    /// Appends an event, once by its id: when a unit of work runs again after a commit whose answer was lost, an event
    /// its earlier attempt stored is not appended twice. Make the event before the unit of work (not inside it) so that
    /// every attempt appends the same one.
    /// </summary>
    Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken);

    /// <summary>True when an event with this id is stored (e.g. an occurrence already reported: <see cref="AuditEvent.ForOccurrence"/>).</summary>
    Task<bool> ContainsAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The newest events, optionally of one type, newest first.</summary>
    Task<IReadOnlyList<AuditEvent>> GetRecentAsync(AuditEventType? type, int limit, CancellationToken cancellationToken);
}
