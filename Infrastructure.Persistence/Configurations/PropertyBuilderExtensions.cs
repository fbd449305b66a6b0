using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TradingBot.Infrastructure.Persistence.Configurations;

/// <summary>How the ledger's configurations say which columns an update may change.</summary>
public static class PropertyBuilderExtensions
{
    /// <summary>The column is written by the insert only; the ledger's updates never set it (EF Core's after-save behavior Throw).</summary>
    public static PropertyBuilder<T> IsNeverUpdated<T>(this PropertyBuilder<T> property)
    {
        ArgumentNullException.ThrowIfNull(property);
        property.Metadata.SetAfterSaveBehavior(PropertySaveBehavior.Throw);
        return property;
    }
}
