using System.Text;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>
/// One row a unit of work writes: an insert, or a key-addressed update of its <see cref="Set"/> columns that applies
/// only while the row's <see cref="Expected"/> columns still hold the values the unit read.
/// </summary>
internal sealed class StagedWrite(LedgerTable table, object row, IReadOnlyList<LedgerColumn>? set, object? seen, IReadOnlyList<LedgerColumn> expected)
{
    public LedgerTable Table { get; } = table;

    public object Row { get; set; } = row;

    public bool IsInsert => Set is null;

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
}
