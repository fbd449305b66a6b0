using System.Data.Common;
using Microsoft.EntityFrameworkCore.Storage;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Persistence.Copy;

/// <summary>
/// One table of a ledger as a provider's bulk path writes it: its name and its columns, read from the target context's
/// model (no column list is written by hand), each able to give a row's value as the target provider stores it.
/// </summary>
public sealed class LedgerBulkTable
{
    private LedgerBulkTable(LedgerTable table)
    {
        Name = table.RawName;
        DelimitedName = table.Name;
        Columns = [.. table.Columns.Select(c => new LedgerBulkColumn(c))];
    }

    /// <summary>The table's name as the schema spells it.</summary>
    public string Name { get; }

    /// <summary>The table's name delimited for the target provider's SQL.</summary>
    public string DelimitedName { get; }

    /// <summary>Every column, in the model's order.</summary>
    public IReadOnlyList<LedgerBulkColumn> Columns { get; }

    /// <summary>The table <typeparamref name="TRow"/> is mapped to in <paramref name="db"/>'s model.</summary>
    public static LedgerBulkTable For<TRow>(LedgerDbContext db)
        where TRow : class => new(LedgerTable.For<TRow>(db));

    /// <summary>The table rows of <paramref name="rowType"/> are mapped to in <paramref name="db"/>'s model.</summary>
    internal static LedgerBulkTable For(Type rowType, LedgerDbContext db) =>
        (LedgerBulkTable)typeof(LedgerBulkTable).GetMethod(nameof(For), 1, [typeof(LedgerDbContext)])!.MakeGenericMethod(rowType).Invoke(null, [db])!;
}

/// <summary>A column of a <see cref="LedgerBulkTable"/>.</summary>
public sealed class LedgerBulkColumn
{
    private readonly LedgerColumn _column;

    internal LedgerBulkColumn(LedgerColumn column)
    {
        _column = column;
        Name = column.RawName;
        DelimitedName = column.Name;
        StoreType = column.Mapping.StoreType;
    }

    /// <summary>The column's name as the schema spells it.</summary>
    public string Name { get; }

    /// <summary>The column's name delimited for the target provider's SQL.</summary>
    public string DelimitedName { get; }

    /// <summary>The column's store type in the target (e.g. <c>jsonb</c>, <c>timestamp with time zone</c>, <c>TEXT</c>).</summary>
    public string StoreType { get; }

    /// <summary>The value of this column in <paramref name="row"/> as the target provider stores it (its value converter applied).</summary>
    public object? ProviderValue(object row)
    {
        var value = _column.Read(row);
        return value is null ? null : _column.Mapping.Converter?.ConvertToProvider(value) ?? value;
    }

    /// <summary>A parameter of <paramref name="command"/> for this column holding <paramref name="row"/>'s value, made by the target's type mapping.</summary>
    public DbParameter CreateParameter(DbCommand command, string name, object row) =>
        _column.Mapping.CreateParameter(command, name, _column.Read(row), _column.IsNullable);
}
