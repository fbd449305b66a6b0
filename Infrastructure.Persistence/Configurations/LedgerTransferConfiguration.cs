using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary><c>ledger_transfers</c>: copies of the whole ledger made from or into this database (copy-ledger).</summary>
public sealed class LedgerTransferConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<LedgerTransferRow>
{
    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<LedgerTransferRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("ledger_transfers", t =>
        {
            t.HasCheckConstraint("ledger_transfers_role_check", "role IN ('SOURCE', 'TARGET')");
            t.HasCheckConstraint("ledger_transfers_state_check", "state IN ('COPYING', 'COPIED')");
        });
        builder.HasKey(t => new { t.Id, t.Role }).HasName("ledger_transfers_pkey");
        builder.Property(t => t.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(t => t.Role).HasColumnName("role").IsRequired();
        builder.Property(t => t.Peer).HasColumnName("peer").IsRequired();
        builder.Property(t => t.State).HasColumnName("state").IsRequired();
        dialect.Json(builder, builder.Property(t => t.Progress).HasColumnName("progress").IsRequired(), "ledger_transfers", "progress");
        builder.Property(t => t.StartedAt).HasColumnName("started_at");
        builder.Property(t => t.FinishedAt).HasColumnName("finished_at");
    }
}
