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
        dialect.Key(builder.Property(s => s.Id));
        dialect.Json(builder, builder.Property(s => s.Snapshot).HasColumnName("snapshot").IsRequired(), "state_snapshots", "snapshot");
        builder.Property(s => s.ReconciledAt).HasColumnName("reconciled_at");
        dialect.Now(builder.Property(s => s.CreatedAt).HasColumnName("created_at"));

        builder.HasIndex(s => s.ReconciledAt, "idx_state_snapshots_reconciled_at").IsDescending();
    }
}

/// <summary>The ADR's <c>audit_log</c> table.</summary>
public sealed class AuditLogConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<AuditLogRow>
{
    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<AuditLogRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("audit_log");
        builder.HasKey(a => a.Id).HasName("audit_log_pkey");
        dialect.Key(builder.Property(a => a.Id));
        builder.Property(a => a.EventType).HasColumnName("event_type").IsRequired();
        dialect.Json(builder, builder.Property(a => a.EventData).HasColumnName("event_data").IsRequired(), "audit_log", "event_data");
        dialect.Now(builder.Property(a => a.CreatedAt).HasColumnName("created_at"));

        builder.HasIndex(a => a.CreatedAt, "idx_audit_log_created_at").IsDescending();
        builder.HasIndex(a => a.EventType, "idx_audit_log_event_type");
        builder.HasIndex(a => new { a.EventType, a.CreatedAt }, "idx_audit_log_event_type_created_at").IsDescending(false, true);
    }
}
