namespace TradingBot.Infrastructure.Persistence.Rows;

/// <summary>A row of <c>audit_log</c>.</summary>
public sealed class AuditLogRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>event_type.</summary>
    public string EventType { get; set; } = "";

    /// <summary>event_data: a JSON object of the event's fields.</summary>
    public string EventData { get; set; } = "{}";

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}
