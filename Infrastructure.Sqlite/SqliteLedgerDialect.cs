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
    public static DateTimeOffset FromText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        // The ledger's own fixed-width form is read digit by digit: every time of every row read goes through here, and
        // ParseExact with three formats cost more than the rest of a row's materialisation. Anything else goes to ParseExact.
        return TryReadFixedWidth(value, out var time)
            ? time
            : DateTimeOffset.ParseExact(value, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    // yyyy-MM-dd HH:mm:ss with no fraction, three digits (SQLite's strftime('%f'), the columns' defaults) or six (ours).
    private static bool TryReadFixedWidth(string text, out DateTimeOffset time)
    {
        time = default;
        var fraction = text.Length - 20;
        if ((text.Length != 19 && fraction != 3 && fraction != 6)
            || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' || text[16] != ':' || (fraction > 0 && text[19] != '.')
            || !Number(text, 0, 4, out var year) || !Number(text, 5, 2, out var month) || !Number(text, 8, 2, out var day)
            || !Number(text, 11, 2, out var hour) || !Number(text, 14, 2, out var minute) || !Number(text, 17, 2, out var second)
            || !Number(text, 20, Math.Max(fraction, 0), out var part)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var micros = fraction == 3 ? part * 1000L : part;
        time = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + (micros * TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
        return true;
    }

    private static bool Number(string text, int at, int digits, out int value)
    {
        value = 0;
        for (var i = at; i < at + digits; i++)
        {
            var digit = text[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

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
