using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary>The ADR's <c>state_snapshots</c> table.</summary>
public sealed class StateSnapshotConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<StateSnapshotRow>
{
    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<StateSnapshotRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("state_snapshots");
        builder.HasKey(s => s.Id).HasName("state_snapshots_pkey");
        dialect.UuidKey(builder.Property(s => s.Id));
        dialect.Json(builder, builder.Property(s => s.Snapshot).HasColumnName("snapshot").IsRequired(), "state_snapshots", "snapshot");
        builder.Property(s => s.ReconciledAt).HasColumnName("reconciled_at");
        dialect.DefaultsToNow(builder.Property(s => s.CreatedAt).HasColumnName("created_at"));

        builder.HasIndex(s => s.ReconciledAt, "idx_state_snapshots_reconciled_at").IsDescending();
    }
}
