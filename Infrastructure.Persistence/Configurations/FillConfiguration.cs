using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary>The ADR's <c>fills</c> table, plus <c>position_sequence</c> (replay order) and <c>realized_pnl_quote</c> (what the fill realized).</summary>
public sealed class FillConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<FillRow>
{
    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<FillRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("fills", t =>
        {
            t.HasCheckConstraint("fills_quantity_base_check", "quantity_base > 0");
            t.HasCheckConstraint("fills_price_quote_check", "price_quote > 0");
            t.HasCheckConstraint("fills_position_sequence_check", "position_sequence > 0");
        });
        builder.HasKey(f => f.Id).HasName("fills_pkey");
        dialect.UuidKey(builder.Property(f => f.Id));
        builder.Property(f => f.OrderId).HasColumnName("order_id");
        builder.Property(f => f.ExchangeFillId).HasColumnName("exchange_fill_id").IsRequired();
        builder.Property(f => f.PriceQuote).HasColumnName("price_quote");
        builder.Property(f => f.QuantityBase).HasColumnName("quantity_base");
        builder.Property(f => f.FeeQuote).HasColumnName("fee_quote");
        builder.Property(f => f.FeeAsset).HasColumnName("fee_asset").IsRequired();
        builder.Property(f => f.FilledAt).HasColumnName("filled_at");
        builder.Property(f => f.PositionSequence).HasColumnName("position_sequence");
        builder.Property(f => f.RealizedPnlQuote).HasColumnName("realized_pnl_quote");
        dialect.DefaultsToNow(builder.Property(f => f.CreatedAt).HasColumnName("created_at"));

        builder.HasOne<OrderRow>().WithMany().HasForeignKey(f => f.OrderId)
            .HasConstraintName("fills_order_id_fkey").OnDelete(DeleteBehavior.Cascade);

        builder.HasIndex(f => f.ExchangeFillId, "fills_exchange_fill_id_key").IsUnique();
        builder.HasIndex(f => f.OrderId, "idx_fills_order_id");
        builder.HasIndex(f => f.FilledAt, "idx_fills_filled_at").IsDescending();
        builder.HasIndex(f => f.ExchangeFillId, "idx_fills_exchange_fill_id");

        // Empty but for fills recorded before realized_pnl_quote existed: finding them (at every start) reads nothing else.
        builder.HasIndex(f => f.OrderId, "idx_fills_realized_pnl_unknown").HasFilter("realized_pnl_quote IS NULL");
    }
}
