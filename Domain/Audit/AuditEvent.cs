using TradingBot.Domain.Time;

namespace TradingBot.Domain.Audit;

/// <summary>What kind of thing an audit event records.</summary>
public enum AuditEventType
{
    /// <summary>DECISION: a strategy decided to trade; written with the order's intent.</summary>
    Decision,

    /// <summary>ERROR: something failed.</summary>
    Error,

    /// <summary>STATE_TRANSITION: an order's status changed.</summary>
    StateTransition,

    /// <summary>RECONCILIATION: the ledger was compared with the exchange.</summary>
    Reconciliation,

    /// <summary>FILL: an execution was recorded.</summary>
    Fill,

    /// <summary>FUNDING: a funding payment was recorded.</summary>
    Funding,
}

/// <summary>Text codes of <see cref="AuditEventType"/>.</summary>
public static class AuditEventTypes
{
    /// <summary>All codes, as stored.</summary>
    public static IReadOnlyList<string> Codes { get; } =
        [.. Enum.GetValues<AuditEventType>().Select(ToCode)];

    /// <summary>DECISION, ERROR, STATE_TRANSITION, RECONCILIATION, FILL or FUNDING.</summary>
    public static string ToCode(this AuditEventType type) => type switch
    {
        AuditEventType.Decision => "DECISION",
        AuditEventType.Error => "ERROR",
        AuditEventType.StateTransition => "STATE_TRANSITION",
        AuditEventType.Reconciliation => "RECONCILIATION",
        AuditEventType.Fill => "FILL",
        AuditEventType.Funding => "FUNDING",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown audit event type"),
    };

    /// <summary>Parses a stored code.</summary>
    public static AuditEventType Parse(string? code)
    {
        foreach (var type in Enum.GetValues<AuditEventType>())
        {
            if (type.ToCode() == code)
            {
                return type;
            }
        }

        throw new FormatException($"'{code}' is not an audit event type");
    }
}

/// <summary>
/// One entry of the audit log: a type and a flat set of named fields (stored as a JSON object).
/// Secrets never go into an audit event.
/// </summary>
public sealed record AuditEvent
{
    /// <summary>Creates an event; the time is normalised to UTC microseconds.</summary>
    public AuditEvent(Guid id, AuditEventType type, IReadOnlyDictionary<string, string> data, DateTimeOffset createdAt)
    {
        if (id == Guid.Empty)
        {
            throw new ArgumentException("an audit event id cannot be empty", nameof(id));
        }

        Id = id;
        Type = type;
        Data = data ?? throw new ArgumentNullException(nameof(data));
        CreatedAt = LedgerTime.Normalize(createdAt);
    }

    /// <summary>The event's id.</summary>
    public Guid Id { get; }

    /// <summary>What it records.</summary>
    public AuditEventType Type { get; }

    /// <summary>The fields.</summary>
    public IReadOnlyDictionary<string, string> Data { get; }

    /// <summary>When it happened (UTC).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>A new event with a fresh time-ordered id.</summary>
    public static AuditEvent Create(AuditEventType type, DateTimeOffset now, params (string Key, string Value)[] fields) =>
        Create(Guid.CreateVersion7(), type, now, fields);

    /// <summary>
    /// An event with an id the caller made beforehand (e.g. before a unit of work, so that a re-run after a lost commit
    /// answer appends the same event, not a second one).
    /// </summary>
    public static AuditEvent Create(Guid id, AuditEventType type, DateTimeOffset now, params (string Key, string Value)[] fields) =>
        new(id, type, fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal), now);

    /// <summary>
    /// An event that stands for one occurrence named by <paramref name="occurrence"/> (e.g. one exchange trade and
    /// what is wrong with it): its id is derived from that name, so reporting the same occurrence again makes the same
    /// event, which the audit log stores once.
    /// </summary>
    public static AuditEvent ForOccurrence(string occurrence, AuditEventType type, DateTimeOffset now, params (string Key, string Value)[] fields)
    {
        ArgumentException.ThrowIfNullOrEmpty(occurrence);
        return Create(NameBasedId(occurrence), type, now, fields);
    }

    // A name-based UUID (RFC 9562 version 8, from SHA-256 of the UTF-8 name): the same name always gives the same id.
    private static Guid NameBasedId(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
