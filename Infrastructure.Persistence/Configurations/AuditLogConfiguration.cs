using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary>The ADR's <c>audit_log</c> table.</summary>
public sealed class AuditLogConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<AuditLogRow>
{
    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<AuditLogRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("audit_log");
        builder.HasKey(a => a.Id).HasName("audit_log_pkey");
        dialect.UuidKey(builder.Property(a => a.Id));
        builder.Property(a => a.EventType).HasColumnName("event_type").IsRequired();
        dialect.Json(builder, builder.Property(a => a.EventData).HasColumnName("event_data").IsRequired(), "audit_log", "event_data");
        dialect.DefaultsToNow(builder.Property(a => a.CreatedAt).HasColumnName("created_at"));

        builder.HasIndex(a => a.CreatedAt, "idx_audit_log_created_at").IsDescending();
        builder.HasIndex(a => a.EventType, "idx_audit_log_event_type");
        builder.HasIndex(a => new { a.EventType, a.CreatedAt }, "idx_audit_log_event_type_created_at").IsDescending(false, true);
    }
}
