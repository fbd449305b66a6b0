using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary>
/// <c>pnl_days</c> (added to the ADR's schema): realized trading PnL, fees and funding per exchange, symbol and UTC day,
/// kept by the writes that record fills and payments. Its UNIQUE (exchange, symbol, utc_day) is what those writes add to.
/// </summary>
public sealed class PnlDayConfiguration(LedgerDialect dialect) : IEntityTypeConfiguration<PnlDayRow>
{
    /// <summary>The columns a write adds to (<see cref="PnlDayRow"/>'s properties), by name.</summary>
    internal static IReadOnlyList<string> AddedColumns { get; } = [nameof(PnlDayRow.TradingPnlQuote), nameof(PnlDayRow.FeesPaidQuote), nameof(PnlDayRow.FundingQuote)];

    /// <summary>The columns that name a row apart from its id: what an addition finds its row by.</summary>
    internal static IReadOnlyList<string> DayColumns { get; } = [nameof(PnlDayRow.Exchange), nameof(PnlDayRow.Symbol), nameof(PnlDayRow.UtcDay)];

    /// <inheritdoc />
    public void Configure(EntityTypeBuilder<PnlDayRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("pnl_days");
        builder.HasKey(d => d.Id).HasName("pnl_days_pkey");
        dialect.UuidKey(builder.Property(d => d.Id));
        builder.Property(d => d.Exchange).HasColumnName("exchange").IsRequired();
        builder.Property(d => d.Symbol).HasColumnName("symbol").IsRequired();
        builder.Property(d => d.UtcDay).HasColumnName("utc_day");
        builder.Property(d => d.TradingPnlQuote).HasColumnName("trading_pnl_quote");
        builder.Property(d => d.FeesPaidQuote).HasColumnName("fees_paid_quote");
        builder.Property(d => d.FundingQuote).HasColumnName("funding_quote");

        builder.HasIndex(d => new { d.Exchange, d.Symbol, d.UtcDay }, "pnl_days_exchange_symbol_utc_day_key").IsUnique();
        builder.HasIndex(d => new { d.Exchange, d.UtcDay }, "idx_pnl_days_exchange_utc_day");
    }
}
