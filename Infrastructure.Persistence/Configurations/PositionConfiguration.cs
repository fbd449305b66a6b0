using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary><c>positions</c>: the current position per exchange and symbol, updated in the fill transaction.</summary>
public sealed class PositionConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<PositionRow>
{
    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<PositionRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("positions", t =>
        {
            t.HasCheckConstraint("positions_entry_notional_quote_check", "entry_notional_quote >= 0");
            t.HasCheckConstraint("positions_flat_check", "net_quantity_base <> 0 OR entry_notional_quote = 0");
            t.HasCheckConstraint("positions_fill_count_check", "fill_count >= 0");
        });
        builder.HasKey(p => p.Id).HasName("positions_pkey");
        dialect.UuidKey(builder.Property(p => p.Id));
        builder.Property(p => p.Exchange).HasColumnName("exchange").IsRequired().IsNeverUpdated();
        builder.Property(p => p.Symbol).HasColumnName("symbol").IsRequired().IsNeverUpdated();
        builder.Property(p => p.NetQuantityBase).HasColumnName("net_quantity_base").IsConcurrencyToken();
        builder.Property(p => p.EntryNotionalQuote).HasColumnName("entry_notional_quote").IsConcurrencyToken();
        builder.Property(p => p.RealizedPnlQuote).HasColumnName("realized_pnl_quote").IsConcurrencyToken();
        builder.Property(p => p.FeesPaidQuote).HasColumnName("fees_paid_quote").IsConcurrencyToken();
        builder.Property(p => p.FundingQuote).HasColumnName("funding_quote").IsConcurrencyToken();
        builder.Property(p => p.FillCount).HasColumnName("fill_count").IsConcurrencyToken();
        builder.Property(p => p.LastFilledAt).HasColumnName("last_filled_at").IsConcurrencyToken();
        builder.Property(p => p.Version).HasColumnName("version").IsConcurrencyToken();
        dialect.DefaultsToNow(builder.Property(p => p.UpdatedAt).HasColumnName("updated_at"));
        dialect.DefaultsToNow(builder.Property(p => p.CreatedAt).HasColumnName("created_at").IsNeverUpdated());

        builder.HasIndex(p => new { p.Exchange, p.Symbol }, "positions_exchange_symbol_key").IsUnique();
    }
}
