using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary><c>funding_payments</c>: funding income and expense, unique by the exchange's id.</summary>
public sealed class FundingPaymentConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<FundingPaymentRow>
{
    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<FundingPaymentRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("funding_payments");
        builder.HasKey(p => p.Id).HasName("funding_payments_pkey");
        dialect.UuidKey(builder.Property(p => p.Id));
        builder.Property(p => p.Exchange).HasColumnName("exchange").IsRequired();
        builder.Property(p => p.Symbol).HasColumnName("symbol").IsRequired();
        builder.Property(p => p.ExchangePaymentId).HasColumnName("exchange_payment_id").IsRequired();
        builder.Property(p => p.AmountQuote).HasColumnName("amount_quote");
        builder.Property(p => p.Asset).HasColumnName("asset").IsRequired();
        builder.Property(p => p.PaidAt).HasColumnName("paid_at");
        dialect.DefaultsToNow(builder.Property(p => p.CreatedAt).HasColumnName("created_at"));

        builder.HasIndex(p => p.ExchangePaymentId, "funding_payments_exchange_payment_id_key").IsUnique();
        builder.HasIndex(p => new { p.Exchange, p.PaidAt }, "idx_funding_payments_exchange_paid_at").IsDescending(false, true);
    }
}
