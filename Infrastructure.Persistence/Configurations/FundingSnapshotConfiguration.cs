using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary>
/// The ADR's <c>funding_snapshots</c> table. <c>funding_rate_bps</c> holds the rate in 1e-8 units, i.e.
/// basis points × 10,000 (0.00038246 → 38246), because real rates do not fit whole basis points.
/// </summary>
public sealed class FundingSnapshotConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<FundingSnapshotRow>
{
    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<FundingSnapshotRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("funding_snapshots", t =>
        {
            t.HasCheckConstraint("funding_snapshots_mark_price_quote_check", "mark_price_quote > 0");
            t.HasCheckConstraint("funding_snapshots_index_price_quote_check", "index_price_quote > 0");
        });
        builder.HasKey(s => s.Id).HasName("funding_snapshots_pkey");
        dialect.UuidKey(builder.Property(s => s.Id));
        builder.Property(s => s.Exchange).HasColumnName("exchange").IsRequired();
        builder.Property(s => s.Symbol).HasColumnName("symbol").IsRequired();
        builder.Property(s => s.FundingRateBps).HasColumnName("funding_rate_bps");
        builder.Property(s => s.MarkPriceQuote).HasColumnName("mark_price_quote");
        builder.Property(s => s.IndexPriceQuote).HasColumnName("index_price_quote");
        builder.Property(s => s.SnapshotAt).HasColumnName("snapshot_at");
        dialect.DefaultsToNow(builder.Property(s => s.CreatedAt).HasColumnName("created_at"));

        builder.HasIndex(s => new { s.Exchange, s.Symbol, s.SnapshotAt }, "idx_funding_snapshots_symbol_snapshot_at")
            .IsDescending(false, false, true);
        builder.HasIndex(s => s.SnapshotAt, "idx_funding_snapshots_snapshot_at").IsDescending();
    }
}
