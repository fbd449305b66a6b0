using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using TradingBot.Infrastructure.Persistence.Configurations;

namespace TradingBot.Infrastructure.Sqlite;

/// <summary>
/// The ledger model on SQLite: TEXT columns with a json_valid CHECK for JSON, and GUIDs and timestamps stored as
/// lower-case and fixed-width UTC text, so that range filters and ORDER BY on time run in SQL.
/// </summary>
public sealed class SqliteLedgerDialect : LedgerDialect
{
    /// <summary>The one instance.</summary>
    public static readonly SqliteLedgerDialect Instance = new();

    private const string TimeFormat = "yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'ffffff";

    private static readonly string[] TimeFormats = [TimeFormat, "yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'fff", "yyyy'-'MM'-'dd' 'HH':'mm':'ss"];

    private SqliteLedgerDialect()
    {
    }

    /// <summary>SQLite's text form of a timestamp: UTC, fixed width, so text order is time order.</summary>
    public static string ToText(DateTimeOffset value) => value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Reads SQLite's text form of a timestamp (also SQLite's own CURRENT_TIMESTAMP style).</summary>
    public static DateTimeOffset FromText(string value) =>
        DateTimeOffset.ParseExact(value, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <inheritdoc />
    public override void UuidKey(PropertyBuilder<Guid> id)
    {
        ArgumentNullException.ThrowIfNull(id);
        id.HasColumnName("id").ValueGeneratedNever();
    }

    /// <inheritdoc />
    public override void DefaultsToNow(PropertyBuilder<DateTimeOffset?> column)
    {
        ArgumentNullException.ThrowIfNull(column);
        column.HasDefaultValueSql("(strftime('%Y-%m-%d %H:%M:%f', 'now'))");
    }

    /// <inheritdoc />
    public override void Json<T>(EntityTypeBuilder<T> entity, PropertyBuilder<string> column, string table, string columnName)
    {
        ArgumentNullException.ThrowIfNull(entity);
        entity.ToTable(t => t.HasCheckConstraint($"{table}_{columnName}_check", $"json_valid({columnName}) AND json_type({columnName}) = 'object'"));
    }

    /// <inheritdoc />
    public override void ApplyStorageConventions(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        var guidText = new ValueConverter<Guid, string>(v => v.ToString("D"), v => Guid.Parse(v));
        var timeText = new ValueConverter<DateTimeOffset, string>(v => ToText(v), v => FromText(v));
        foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(e => e.GetProperties()))
        {
            var type = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
            if (type == typeof(Guid))
            {
                property.SetValueConverter(guidText);
                property.SetColumnType("TEXT");
            }
            else if (type == typeof(DateTimeOffset))
            {
                property.SetValueConverter(timeText);
                property.SetColumnType("TEXT");
            }
        }
    }
}
