using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TradingBot.Infrastructure.Persistence.Configurations;

namespace TradingBot.Infrastructure.Postgres;

/// <summary>The ledger model on Postgres: uuid keys defaulting to gen_random_uuid(), timestamptz defaulting to NOW(), jsonb.</summary>
public sealed class PostgresLedgerDialect : LedgerDialect
{
    /// <summary>The one instance.</summary>
    public static readonly PostgresLedgerDialect Instance = new();

    private PostgresLedgerDialect()
    {
    }

    /// <inheritdoc />
    public override void UuidKey(PropertyBuilder<Guid> id)
    {
        ArgumentNullException.ThrowIfNull(id);
        id.HasColumnName("id").ValueGeneratedNever().HasDefaultValueSql("gen_random_uuid()");
    }

    /// <inheritdoc />
    public override void DefaultsToNow(PropertyBuilder<DateTimeOffset?> column)
    {
        ArgumentNullException.ThrowIfNull(column);
        column.HasDefaultValueSql("NOW()");
    }

    /// <inheritdoc />
    public override void Json<T>(EntityTypeBuilder<T> entity, PropertyBuilder<string> column, string table, string columnName)
    {
        ArgumentNullException.ThrowIfNull(column);
        column.HasColumnType("jsonb");
    }
}
