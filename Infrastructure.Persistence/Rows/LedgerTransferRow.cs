namespace TradingBot.Infrastructure.Persistence.Rows;

/// <summary>
/// A row of <c>ledger_transfers</c>: one copy of a whole ledger, as its source or its target saw it. A source row in
/// state COPIED fences the source (the worker refuses to run on it); a target row records the copy's progress per table,
/// so a copy killed at any moment resumes where it stopped.
/// </summary>
public sealed class LedgerTransferRow
{
    /// <summary>id uuid: the copy's id, the same on both sides.</summary>
    public Guid Id { get; set; }

    /// <summary>role: SOURCE or TARGET.</summary>
    public string Role { get; set; } = "";

    /// <summary>peer: the other ledger's description (never a password).</summary>
    public string Peer { get; set; } = "";

    /// <summary>state: COPYING or COPIED.</summary>
    public string State { get; set; } = "";

    /// <summary>progress: JSON of each table's rows copied and last key (target side).</summary>
    public string Progress { get; set; } = "{}";

    /// <summary>started_at.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>finished_at: when the copy was verified and completed.</summary>
    public DateTimeOffset? FinishedAt { get; set; }
}
