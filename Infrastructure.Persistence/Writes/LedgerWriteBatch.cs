using System.Data.Common;
using System.Globalization;
using System.Text;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>A value a staged update expects a column to still hold: the optimistic check of what the unit of work read.</summary>
/// <param name="Column">The column.</param>
/// <param name="Value">The value read (null: the column must still be NULL).</param>
internal readonly record struct Expected(LedgerColumn Column, object? Value);

/// <summary>
/// The writes one unit of work has staged: explicit inserts and key-addressed updates, rendered from the
/// model into one statement batch. An update carries the values it expects the row to still hold; the batch
/// fails when one does not match (see <see cref="LedgerWriteSql"/>). A row staged twice is written once,
/// with its latest values.
/// </summary>
internal sealed class LedgerWriteBatch
{
    private readonly List<StagedWrite> _writes = [];
    private readonly Dictionary<(LedgerTable Table, object Key), StagedWrite> _byRow = [];

    public bool IsEmpty => _writes.Count == 0;

    /// <summary>Stages an insert of <paramref name="row"/>; columns left null that the database fills by default are left out.</summary>
    public void Insert(LedgerTable table, object row) => Add(new StagedWrite(table, row, null, []));

    /// <summary>
    /// Stages an update of the <paramref name="set"/> columns of the row with <paramref name="row"/>'s key, to
    /// <paramref name="row"/>'s values, applied only while the row still holds <paramref name="expected"/>. When
    /// that row is already staged in this batch, the staged write takes the new values instead (an insert
    /// inserts them; an update keeps the values it expected).
    /// </summary>
    public void Update(LedgerTable table, object row, IReadOnlyList<LedgerColumn> set, IReadOnlyList<Expected> expected)
    {
        if (_byRow.TryGetValue((table, KeyOf(table, row)), out var staged))
        {
            staged.Row = row;
            return;
        }

        Add(new StagedWrite(table, row, set, expected));
    }

    /// <summary>True when the row with <paramref name="row"/>'s key is staged.</summary>
    public bool IsStaged(LedgerTable table, object row) => _byRow.ContainsKey((table, KeyOf(table, row)));

    /// <summary>Renders the batch: one statement per staged write, parameters bound through the model's type mappings.</summary>
    public LedgerWriteSql Render(bool assertUpdatesInSql, DbCommand parameterFactory)
    {
        var sql = new StringBuilder(256 * _writes.Count);
        var parameters = new List<DbParameter>(16 * _writes.Count);
        var updates = 0;
        foreach (var write in _writes)
        {
            if (write.Set is null)
            {
                AppendInsert(sql, parameters, write, parameterFactory);
            }
            else
            {
                AppendUpdate(sql, parameters, write, assertUpdatesInSql, parameterFactory);
                updates++;
            }

            sql.Append(";\n");
        }

        return new LedgerWriteSql(sql.ToString(), parameters, _writes.Count, updates);
    }

    public void Clear()
    {
        _writes.Clear();
        _byRow.Clear();
    }

    private static object KeyOf(LedgerTable table, object row) =>
        table.Key.Read(row) ?? throw new InvalidOperationException($"a {table.RawName} row has no key; the ledger generates keys before writing");

    private static void AppendInsert(StringBuilder sql, List<DbParameter> parameters, StagedWrite write, DbCommand factory)
    {
        sql.Append("INSERT INTO ").Append(write.Table.Name).Append(" (");
        var values = new StringBuilder();
        var first = true;
        foreach (var column in write.Table.Columns)
        {
            var value = column.Read(write.Row);
            if (value is null && column.HasDatabaseDefault)
            {
                continue;
            }

            if (!first)
            {
                sql.Append(", ");
                values.Append(", ");
            }

            first = false;
            sql.Append(column.Name);
            values.Append(Bind(parameters, column, value, factory));
        }

        sql.Append(") VALUES (").Append(values).Append(')');
    }

    private static void AppendUpdate(StringBuilder sql, List<DbParameter> parameters, StagedWrite write, bool assertInSql, DbCommand factory)
    {
        if (assertInSql)
        {
            sql.Append("WITH \"updated\" AS (");
        }

        sql.Append("UPDATE ").Append(write.Table.Name).Append(" SET ");
        for (var i = 0; i < write.Set!.Count; i++)
        {
            var column = write.Set[i];
            sql.Append(i == 0 ? "" : ", ").Append(column.Name).Append(" = ").Append(Bind(parameters, column, column.Read(write.Row), factory));
        }

        var key = write.Table.Key;
        sql.Append(" WHERE ").Append(key.Name).Append(" = ").Append(Bind(parameters, key, key.Read(write.Row), factory));
        foreach (var (column, value) in write.Expected)
        {
            sql.Append(" AND ").Append(column.Name);
            if (value is null)
            {
                sql.Append(" IS NULL");
            }
            else
            {
                sql.Append(" = ").Append(Bind(parameters, column, value, factory));
            }
        }

        if (assertInSql)
        {
            sql.Append(" RETURNING 1) SELECT ").Append(LedgerWriteSql.ExpectOneRowFunction)
                .Append("(count(*), '").Append(write.Table.RawName).Append("') FROM \"updated\"");
        }
    }

    private static string Bind(List<DbParameter> parameters, LedgerColumn column, object? value, DbCommand factory)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"p{parameters.Count}");
        parameters.Add(column.Parameter(factory, name, value));
        return "@" + name;
    }

    private void Add(StagedWrite write)
    {
        _writes.Add(write);
        _byRow[(write.Table, KeyOf(write.Table, write.Row))] = write;
    }

    private sealed class StagedWrite(LedgerTable table, object row, IReadOnlyList<LedgerColumn>? set, IReadOnlyList<Expected> expected)
    {
        public LedgerTable Table { get; } = table;

        public object Row { get; set; } = row;

        /// <summary>Null for an insert.</summary>
        public IReadOnlyList<LedgerColumn>? Set { get; } = set;

        public IReadOnlyList<Expected> Expected { get; } = expected;
    }
}

/// <summary>A rendered batch.</summary>
/// <param name="Sql">The statements, separated by semicolons.</param>
/// <param name="Parameters">Their parameters.</param>
/// <param name="Statements">How many statements (each inserts or updates exactly one row when it succeeds).</param>
/// <param name="Updates">How many of them are updates.</param>
internal sealed record LedgerWriteSql(string Sql, IReadOnlyList<DbParameter> Parameters, int Statements, int Updates)
{
    /// <summary>
    /// The Postgres function (created by the Postgres migrations) an update's result is passed through: it
    /// raises SQLSTATE 40001 (serialization_failure) unless exactly one row was updated, so a row that changed
    /// since it was read aborts the whole batch, which then runs again as a transient failure.
    /// </summary>
    public const string ExpectOneRowFunction = "ledger_expect_one_row";
}
