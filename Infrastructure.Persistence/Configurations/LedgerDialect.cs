using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary>
/// The few places where the one ledger model differs by provider (column types, default values, JSON checks, storage
/// encodings), implemented by each provider project and found through the context's options.
/// </summary>
public abstract class LedgerDialect
{
    /// <summary>A uuid primary key the client generates (a database default where the provider has one).</summary>
    public abstract void UuidKey(PropertyBuilder<Guid> id);

    /// <summary>A timestamp defaulting to the current time.</summary>
    public abstract void DefaultsToNow(PropertyBuilder<DateTimeOffset?> column);

    /// <summary>A column holding one JSON object.</summary>
    public abstract void Json<T>(EntityTypeBuilder<T> entity, PropertyBuilder<string> column, string table, string columnName)
        where T : class;

    /// <summary>Applies the provider's storage encodings to every mapped property, once the tables are configured.</summary>
    public virtual void ApplyStorageConventions(ModelBuilder modelBuilder)
    {
    }
}
