using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>
/// One table as the ledger writes it, read once per model from the EF Core mapping: its name, its columns
/// with their provider type mappings (value converters included) and its key. No column list is written
/// by hand, so the statements follow the model and its migrations.
/// </summary>
internal sealed class LedgerTable
{
    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<Type, LedgerTable>> ByModel = [];

    private static int _nextId;

    private readonly Dictionary<string, LedgerColumn> _byProperty;

    private LedgerTable(IEntityType entityType, ISqlGenerationHelper sql)
    {
        var table = entityType.GetTableName() ?? throw new InvalidOperationException($"{entityType.DisplayName()} is not mapped to a table");
        Id = Interlocked.Increment(ref _nextId);
        Name = sql.DelimitIdentifier(table, entityType.GetSchema());
        RawName = table;
        var storeObject = StoreObjectIdentifier.Table(table, entityType.GetSchema());
        Columns = [.. entityType.GetProperties().Select((p, i) => new LedgerColumn(p, p.GetColumnName(storeObject)!, sql.DelimitIdentifier(p.GetColumnName(storeObject)!), i))];
        if (Columns.Count > 64)
        {
            throw new InvalidOperationException($"{table} has more than 64 columns; the ledger's write shapes are 64-bit masks");
        }

        _byProperty = Columns.ToDictionary(c => c.PropertyName, StringComparer.Ordinal);
        var key = entityType.FindPrimaryKey()?.Properties ?? throw new InvalidOperationException($"{table} has no primary key");
        if (key.Count != 1)
        {
            throw new InvalidOperationException($"{table} has a composite key; the ledger writes single-column keys only");
        }

        Key = _byProperty[key[0].Name];
        if (UncoveredColumns(entityType) is [_, ..] uncovered)
        {
            throw new InvalidOperationException($"{table}: updates would set {string.Join(", ", uncovered)} without expecting the value read; make each a concurrency token or mark it never updated");
        }

        Updated = [.. Columns.Where(c => c.IsUpdated && c != Key)];
        Expected = [.. Columns.Where(c => c.IsConcurrencyToken)];
    }

    /// <summary>A number no other table of any model has (part of a write batch's shape).</summary>
    public int Id { get; }

    /// <summary>The delimited table name.</summary>
    public string Name { get; }

    /// <summary>The table name as the schema spells it (for messages).</summary>
    public string RawName { get; }

    /// <summary>Every mapped column, in the model's order.</summary>
    public IReadOnlyList<LedgerColumn> Columns { get; }

    /// <summary>The primary key column.</summary>
    public LedgerColumn Key { get; }

    /// <summary>The columns an update sets: every column the model does not mark as never updated, in table order.</summary>
    public IReadOnlyList<LedgerColumn> Updated { get; }

    /// <summary>The columns an update expects to still hold what the unit read: the model's concurrency tokens, in table order.</summary>
    public IReadOnlyList<LedgerColumn> Expected { get; }

    /// <summary>The column that records when a row last changed: updates set it, and no decision depends on it.</summary>
    public const string UpdatedAtColumn = "updated_at";

    /// <summary>
    /// The columns of <paramref name="entityType"/> an update may set without expecting their value: a table with a
    /// concurrency token must make every updatable column (but <see cref="UpdatedAtColumn"/>) one, or mark it never updated,
    /// so that an update never overwrites a change it did not see.
    /// </summary>
    public static IReadOnlyList<string> UncoveredColumns(IEntityType entityType)
    {
        ArgumentNullException.ThrowIfNull(entityType);
        var properties = entityType.GetProperties().ToList();
        if (!properties.Any(p => p.IsConcurrencyToken))
        {
            return [];
        }

        var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        return [.. properties
            .Where(p => !p.IsPrimaryKey() && !p.IsConcurrencyToken && p.GetAfterSaveBehavior() == PropertySaveBehavior.Save)
            .Select(p => p.GetColumnName(table)!)
            .Where(c => c != UpdatedAtColumn)];
    }

    /// <summary>The table <typeparamref name="TRow"/> is mapped to in <paramref name="db"/>'s model.</summary>
    public static LedgerTable For<TRow>(LedgerDbContext db)
        where TRow : class
    {
        var tables = ByModel.GetValue(db.Model, _ => new ConcurrentDictionary<Type, LedgerTable>());
        return tables.GetOrAdd(typeof(TRow), static (type, db) =>
        {
            var entityType = db.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not part of the ledger model");
            return new LedgerTable(entityType, db.GetService<ISqlGenerationHelper>());
        }, db);
    }

    /// <summary>The column mapped from the row property <paramref name="propertyName"/>.</summary>
    public LedgerColumn Column(string propertyName) =>
        _byProperty.TryGetValue(propertyName, out var column)
            ? column
            : throw new ArgumentException($"{RawName} has no column for property {propertyName}", nameof(propertyName));
}

/// <summary>A column: its delimited name, how to read it from a row and its provider type mapping.</summary>
internal sealed class LedgerColumn
{
    private readonly IClrPropertyGetter _getter;

    public LedgerColumn(IProperty property, string rawName, string name, int index)
    {
        PropertyName = property.Name;
        RawName = rawName;
        Name = name;
        Index = index;
        _getter = property.GetGetter();
        Mapping = property.GetRelationalTypeMapping();
        IsNullable = property.IsNullable;
        HasDatabaseDefault = property.GetDefaultValueSql() is not null;
        IsConcurrencyToken = property.IsConcurrencyToken;
        IsUpdated = property.GetAfterSaveBehavior() == PropertySaveBehavior.Save;
    }

    /// <summary>The row property's name.</summary>
    public string PropertyName { get; }

    /// <summary>The delimited column name.</summary>
    public string Name { get; }

    /// <summary>The column name as the schema spells it.</summary>
    public string RawName { get; }

    /// <summary>The column's place in its table (a bit in a write's shape).</summary>
    public int Index { get; }

    /// <summary>The provider type mapping, value converter included, that parameters for the column are created with.</summary>
    public RelationalTypeMapping Mapping { get; }

    /// <summary>True when the column takes NULL.</summary>
    public bool IsNullable { get; }

    /// <summary>True when the database fills the column when an insert leaves it out (e.g. <c>created_at DEFAULT NOW()</c>).</summary>
    public bool HasDatabaseDefault { get; }

    /// <summary>True when an update expects the column to still hold the value the unit read (the model's concurrency token).</summary>
    public bool IsConcurrencyToken { get; }

    /// <summary>True when an update may set the column (the model does not mark it as never updated).</summary>
    public bool IsUpdated { get; }

    /// <summary>The column's value in <paramref name="row"/>.</summary>
    public object? Read(object row) => _getter.GetClrValue(row);
}
