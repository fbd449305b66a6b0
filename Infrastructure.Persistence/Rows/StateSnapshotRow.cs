namespace TradingBot.Infrastructure.Persistence.Rows;

/// <summary>A row of <c>state_snapshots</c>.</summary>
public sealed class StateSnapshotRow
{
    /// <summary>id uuid.</summary>
    public Guid Id { get; set; }

    /// <summary>snapshot: JSON of balances, positions and open orders.</summary>
    public string Snapshot { get; set; } = "{}";

    /// <summary>reconciled_at.</summary>
    public DateTimeOffset ReconciledAt { get; set; }

    /// <summary>created_at.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}
