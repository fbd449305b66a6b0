using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary><c>symbol_halts</c>: the symbols on which the worker places no order, one row per exchange and symbol (kept when the halt lifts).</summary>
public sealed class SymbolHaltConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<SymbolHaltRow>
{
    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<SymbolHaltRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("symbol_halts", t =>
        {
            t.HasCheckConstraint("symbol_halts_reason_check", "reason IN ('POSITION_DIFFERS', 'BEYOND_INTENT', 'CLOSE_REFUSED')");
            t.HasCheckConstraint("symbol_halts_detail_check", "detail <> ''");
        });
        builder.HasKey(h => h.Id).HasName("symbol_halts_pkey");
        dialect.UuidKey(builder.Property(h => h.Id));
        builder.Property(h => h.Exchange).HasColumnName("exchange").IsRequired().IsNeverUpdated();
        builder.Property(h => h.Symbol).HasColumnName("symbol").IsRequired().IsNeverUpdated();
        builder.Property(h => h.Reason).HasColumnName("reason").IsRequired().IsConcurrencyToken();
        builder.Property(h => h.Detail).HasColumnName("detail").IsRequired().IsConcurrencyToken();
        builder.Property(h => h.HaltedAt).HasColumnName("halted_at").IsConcurrencyToken();
        builder.Property(h => h.HaltedUntil).HasColumnName("halted_until").IsConcurrencyToken();
        builder.Property(h => h.ReleasedAt).HasColumnName("released_at").IsConcurrencyToken();
        builder.Property(h => h.Version).HasColumnName("version").IsConcurrencyToken();
        dialect.DefaultsToNow(builder.Property(h => h.CreatedAt).HasColumnName("created_at").IsNeverUpdated());
        dialect.DefaultsToNow(builder.Property(h => h.UpdatedAt).HasColumnName("updated_at"));

        builder.HasIndex(h => new { h.Exchange, h.Symbol }, "symbol_halts_exchange_symbol_key").IsUnique();
    }
}
