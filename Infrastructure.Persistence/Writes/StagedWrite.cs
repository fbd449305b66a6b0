using System.Text;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>
/// One row a unit of work writes: an insert; a key-addressed update of its <see cref="Set"/> columns that applies
/// only while the row's <see cref="Expected"/> columns still hold the values the unit read; or an addition, an insert
/// that adds its <see cref="Added"/> columns to the row already holding its <see cref="FoundBy"/> values, if any.
/// </summary>
internal sealed class StagedWrite(
    LedgerTable table, object row, IReadOnlyList<LedgerColumn>? set, object? seen, IReadOnlyList<LedgerColumn> expected,
    IReadOnlyList<LedgerColumn>? foundBy = null, IReadOnlyList<LedgerColumn>? added = null)
{
    public LedgerTable Table { get; } = table;

    public object Row { get; set; } = row;

    /// <summary>True for an insert or an addition: a statement that always writes its one row (nothing to check).</summary>
    public bool IsInsert => Set is null;

    /// <summary>For an addition, the columns of the UNIQUE constraint its row is found by; otherwise empty.</summary>
    public IReadOnlyList<LedgerColumn> FoundBy { get; } = foundBy ?? [];

    /// <summary>For an addition, the columns it adds to a found row; otherwise empty.</summary>
    public IReadOnlyList<LedgerColumn> Added { get; } = added ?? [];

    /// <summary>Null for an insert; the columns an update sets, in table order.</summary>
    public IReadOnlyList<LedgerColumn>? Set { get; } = set;

    /// <summary>The columns an update expects to still hold what <see cref="ExpectedValue"/> gives, in table order.</summary>
    public IReadOnlyList<LedgerColumn> Expected { get; } = expected;

    /// <summary>The value the row's <paramref name="column"/> must still hold: the one in the row the unit read.</summary>
    public object? ExpectedValue(LedgerColumn column) => column.Read(seen!);

    /// <summary>An insert leaves out a column it has no value for when the database fills it by default.</summary>
    public bool Omits(LedgerColumn column) => column.HasDatabaseDefault && column.Read(Row) is null;

    /// <summary>
    /// Appends the write as standard SQL: an INSERT, or an UPDATE whose WHERE names the key and every expected value
    /// (<c>IS NULL</c> for a NULL one). <paramref name="bind"/> returns the placeholder of the next parameter slot.
    /// </summary>
    public void AppendSql(StringBuilder text, Func<LedgerColumn, string> bind)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(bind);
        if (Set is null)
        {
            var included = Table.Columns.Where(c => !Omits(c)).ToList();
            text.Append("INSERT INTO ").Append(Table.Name).Append(" (")
                .AppendJoin(", ", included.Select(c => c.Name)).Append(") VALUES (")
                .AppendJoin(", ", included.Select(bind)).Append(')');
            if (Added.Count > 0)
            {
                // Standard upsert, the same text on SQLite and Postgres: the found row keeps its id and adds the values.
                text.Append(" ON CONFLICT (").AppendJoin(", ", FoundBy.Select(c => c.Name)).Append(") DO UPDATE SET ")
                    .AppendJoin(", ", Added.Select(c => $"{c.Name} = {Table.Name}.{c.Name} + excluded.{c.Name}"));
            }

            return;
        }

        text.Append("UPDATE ").Append(Table.Name).Append(" SET ")
            .AppendJoin(", ", Set.Select(c => $"{c.Name} = {bind(c)}"))
            .Append(" WHERE ").Append(Table.Key.Name).Append(" = ").Append(bind(Table.Key));
        foreach (var column in Expected)
        {
            text.Append(" AND ").Append(column.Name).Append(ExpectedValue(column) is null ? " IS NULL" : $" = {bind(column)}");
        }
    }

    /// <summary>Writes what the SQL depends on into <paramref name="shape"/> (4 words) and the values to bind, in the order <see cref="AppendSql"/> binds them.</summary>
    public void AppendShape(Span<ulong> shape, ParameterValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ulong columns = 0;
        if (Set is null)
        {
            foreach (var column in Table.Columns)
            {
                if (!Omits(column))
                {
                    columns |= 1UL << column.Index;
                    values.Add(column.Read(Row));
                }
            }

            shape[0] = (ulong)Table.Id << 1;
            shape[1] = columns;
            shape[2] = Mask(FoundBy);
            shape[3] = Mask(Added);
            return;
        }

        foreach (var column in Set)
        {
            columns |= 1UL << column.Index;
            values.Add(column.Read(Row));
        }

        values.Add(Table.Key.Read(Row));
        ulong expected = 0, isNull = 0;
        foreach (var column in Expected)
        {
            var value = ExpectedValue(column);
            expected |= 1UL << column.Index;
            if (value is null)
            {
                isNull |= 1UL << column.Index;
            }
            else
            {
                values.Add(value);
            }
        }

        shape[0] = ((ulong)Table.Id << 1) | 1;
        shape[1] = columns;
        shape[2] = expected;
        shape[3] = isNull;
    }

    private static ulong Mask(IReadOnlyList<LedgerColumn> columns)
    {
        ulong mask = 0;
        foreach (var column in columns)
        {
            mask |= 1UL << column.Index;
        }

        return mask;
    }
}
