using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary>The ADR's <c>orders</c> table, plus <c>filled_quantity_base</c> and the intent's deadlines (<c>send_deadline</c>, <c>never_placed_after</c>).</summary>
public sealed class OrderConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<OrderRow>
{
    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<OrderRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("orders", t =>
        {
            t.HasCheckConstraint("orders_side_check", "side IN ('BUY', 'SELL')");
            t.HasCheckConstraint("orders_type_check", "type IN ('MARKET', 'LIMIT', 'IOC', 'FOK')");
            t.HasCheckConstraint("orders_status_check", "status IN ('PENDING', 'OPEN', 'FILLED', 'PARTIALLY_FILLED', 'CANCELLED', 'REJECTED')");
            t.HasCheckConstraint("orders_quantity_base_check", "quantity_base > 0");
            t.HasCheckConstraint("orders_price_quote_check", "price_quote IS NULL OR price_quote > 0");
            t.HasCheckConstraint("orders_filled_quantity_base_check", "filled_quantity_base >= 0 AND filled_quantity_base <= quantity_base");
            t.HasCheckConstraint("orders_deadlines_check", "(send_deadline IS NULL) = (never_placed_after IS NULL) AND (never_placed_after IS NULL OR never_placed_after >= send_deadline)");
        });
        builder.HasKey(o => o.Id).HasName("orders_pkey");
        dialect.UuidKey(builder.Property(o => o.Id));
        builder.Property(o => o.Exchange).HasColumnName("exchange").IsRequired().IsNeverUpdated().IsConcurrencyToken();
        builder.Property(o => o.Symbol).HasColumnName("symbol").IsRequired().IsNeverUpdated().IsConcurrencyToken();
        builder.Property(o => o.Side).HasColumnName("side").IsRequired().IsNeverUpdated().IsConcurrencyToken();
        builder.Property(o => o.Type).HasColumnName("type").IsRequired().IsNeverUpdated();
        builder.Property(o => o.QuantityBase).HasColumnName("quantity_base").IsConcurrencyToken();
        builder.Property(o => o.PriceQuote).HasColumnName("price_quote").IsNeverUpdated();
        builder.Property(o => o.Status).HasColumnName("status").IsRequired().IsConcurrencyToken();
        builder.Property(o => o.ExchangeOrderId).HasColumnName("exchange_order_id").IsConcurrencyToken();
        builder.Property(o => o.IdempotencyKey).HasColumnName("idempotency_key").IsNeverUpdated();
        builder.Property(o => o.FilledQuantityBase).HasColumnName("filled_quantity_base").HasDefaultValue(0L).IsConcurrencyToken();
        dialect.DefaultsToNow(builder.Property(o => o.CreatedAt).HasColumnName("created_at").IsNeverUpdated());
        dialect.DefaultsToNow(builder.Property(o => o.UpdatedAt).HasColumnName("updated_at"));
        builder.Property(o => o.SendDeadline).HasColumnName("send_deadline").IsNeverUpdated();
        builder.Property(o => o.NeverPlacedAfter).HasColumnName("never_placed_after").IsNeverUpdated();

        builder.HasIndex(o => o.ExchangeOrderId, "orders_exchange_order_id_key").IsUnique();
        builder.HasIndex(o => o.IdempotencyKey, "orders_idempotency_key_key").IsUnique();
        builder.HasIndex(o => o.CreatedAt, "idx_orders_created_at").IsDescending();
        builder.HasIndex(o => o.Status, "idx_orders_status").HasFilter("status IN ('OPEN', 'PENDING')");
        builder.HasIndex(o => o.Status, "idx_orders_status_partially_filled").HasFilter("status = 'PARTIALLY_FILLED'");
        builder.HasIndex(o => o.ExchangeOrderId, "idx_orders_exchange_order_id").HasFilter("exchange_order_id IS NOT NULL");
        builder.HasIndex(o => o.IdempotencyKey, "idx_orders_idempotency_key").HasFilter("idempotency_key IS NOT NULL");
    }
}
