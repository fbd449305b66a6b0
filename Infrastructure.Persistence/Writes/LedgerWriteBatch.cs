using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>
/// The writes one unit of work has staged: explicit inserts and key-addressed updates, sent as one command. An
/// update carries the values it expects the row to still hold, so a row changed since it was read fails the
/// command (see <see cref="ExecuteAsync"/>). A row staged twice is written once, with its latest values.
/// <para>
/// Like a compiled query, a batch's SQL and typed parameter slots are built once per shape (which tables, which
/// columns, which expected values are NULL); each execution only passes the values, bound through the model's type
/// mappings and value converters, on a command kept for that shape on the context's connection (<see cref="LedgerWriteCommands"/>).
/// On Postgres the batch is one statement (each write a data-modifying CTE) with positional parameters, which
/// Npgsql sends without parsing or rewriting it; on SQLite it is one statement per write.
/// </para>
/// </summary>
internal sealed class LedgerWriteBatch
{
    /// <summary>
    /// The Postgres function (created by the Postgres migrations) an update's row count is passed through: it
    /// raises SQLSTATE 40001 (serialization_failure) unless exactly one row was updated, so a row changed since it
    /// was read aborts the whole batch, which then runs again as a transient failure.
    /// </summary>
    public const string ExpectOneRowFunction = "ledger_expect_one_row";

    private static readonly ConditionalWeakTable<ISqlGenerationHelper, ConcurrentDictionary<Shape, CompiledWrites>> Compiled = [];

    private readonly List<StagedWrite> _writes = [];
    private readonly Dictionary<(LedgerTable Table, object Key), StagedWrite> _byRow = [];

    public bool IsEmpty => _writes.Count == 0;

    /// <summary>How many statements the batch sends (each inserts or updates exactly one row when it succeeds).</summary>
    public int Statements => _writes.Count;

    /// <summary>Stages an insert of <paramref name="row"/>; columns left null that the database fills by default are left out.</summary>
    public void Insert(LedgerTable table, object row) => Add(new StagedWrite(table, row, null, null, []));

    /// <summary>
    /// Stages an update of the <paramref name="set"/> columns of the row with <paramref name="row"/>'s key, to
    /// <paramref name="row"/>'s values, applied only while the row's <paramref name="expected"/> columns still hold
    /// <paramref name="seen"/>'s values (a NULL one must still be NULL). Both lists are in table order
    /// (<see cref="LedgerTable.ColumnsFor"/>), so that one shape always means one SQL text and one slot order. When
    /// that row is already staged in this batch, the staged write takes the new values instead (an insert
    /// inserts them; an update keeps the values it expected).
    /// </summary>
    public void Update(LedgerTable table, object row, IReadOnlyList<LedgerColumn> set, object? seen, IReadOnlyList<LedgerColumn> expected)
    {
        if (_byRow.TryGetValue((table, KeyOf(table, row)), out var staged))
        {
            staged.Row = row;
            return;
        }

        Add(new StagedWrite(table, row, set, seen, expected));
    }

    /// <summary>True when the row with <paramref name="row"/>'s key is staged.</summary>
    public bool IsStaged(LedgerTable table, object row) => _byRow.ContainsKey((table, KeyOf(table, row)));

    /// <summary>
    /// Sends the batch through <paramref name="db"/>'s connection and current transaction, and returns the rows
    /// its statements wrote. With <paramref name="assertUpdatesInSql"/> (Postgres) the batch is one statement
    /// whose updates check themselves in the database (<see cref="ExpectOneRowFunction"/>), and the count it
    /// returns means nothing; otherwise each statement's rows are counted.
    /// </summary>
    public Task<int> ExecuteAsync(LedgerDbContext db, bool assertUpdatesInSql, CancellationToken cancellationToken)
    {
        var values = new SlotValues(_writes.Count * 12);
        var shape = new ulong[(_writes.Count * 4) + 1];
        shape[0] = assertUpdatesInSql ? 1UL : 0UL;
        for (var i = 0; i < _writes.Count; i++)
        {
            _writes[i].AppendShape(shape.AsSpan(1 + (i * 4), 4), values);
        }

        var sql = db.GetService<ISqlGenerationHelper>();
        var compiled = Compiled.GetValue(sql, _ => new()).GetOrAdd(new Shape(shape), static (_, state) => state.Batch.Compile(state.Sql, state.Assert), (Batch: this, Sql: sql, Assert: assertUpdatesInSql));
        return LedgerWriteCommands.ExecuteNonQueryAsync(db, compiled, values, cancellationToken);
    }

    public void Clear()
    {
        _writes.Clear();
        _byRow.Clear();
    }

    private static object KeyOf(LedgerTable table, object row) =>
        table.Key.Read(row) ?? throw new InvalidOperationException($"a {table.RawName} row has no key; the ledger generates keys before writing");

    // The SQL and parameter slots of this batch's shape, numbered in the order AppendShape binds the values.
    // Postgres (asserting updates in SQL): one statement, each write a data-modifying CTE, positional parameters
    // ($1, $2, ...); the CTEs run as one statement, all or nothing, and the final SELECT passes each update's row
    // count through ExpectOneRowFunction. SQLite: one statement per write, named parameters.
    private CompiledWrites Compile(ISqlGenerationHelper sql, bool assert)
    {
        var text = new StringBuilder();
        var slots = new List<(LedgerColumn Column, string Name)>();
        string Bind(LedgerColumn column)
        {
            if (assert)
            {
                slots.Add((column, string.Empty));
                return string.Create(CultureInfo.InvariantCulture, $"${slots.Count}");
            }

            var name = sql.GenerateParameterNamePlaceholder(string.Create(CultureInfo.InvariantCulture, $"p{slots.Count}"));
            slots.Add((column, name));
            return name;
        }

        var checks = new List<string>();
        for (var i = 0; i < _writes.Count; i++)
        {
            var write = _writes[i];
            var table = write.Table;
            if (assert)
            {
                text.Append(i == 0 ? "WITH " : ",\n").Append(CultureInfo.InvariantCulture, $"\"w{i}\" AS (");
            }

            if (write.Set is null)
            {
                var included = table.Columns.Where(c => !write.Omits(c)).ToList();
                text.Append("INSERT INTO ").Append(table.Name).Append(" (")
                    .AppendJoin(", ", included.Select(c => c.Name)).Append(") VALUES (")
                    .AppendJoin(", ", included.Select(Bind)).Append(')');
            }
            else
            {
                text.Append("UPDATE ").Append(table.Name).Append(" SET ")
                    .AppendJoin(", ", write.Set.Select(c => $"{c.Name} = {Bind(c)}"))
                    .Append(" WHERE ").Append(table.Key.Name).Append(" = ").Append(Bind(table.Key));
                foreach (var column in write.Expected)
                {
                    text.Append(" AND ").Append(column.Name).Append(write.ExpectedValue(column) is null ? " IS NULL" : $" = {Bind(column)}");
                }

                if (assert)
                {
                    text.Append(" RETURNING 1");
                    checks.Add(string.Create(CultureInfo.InvariantCulture, $"{ExpectOneRowFunction}((SELECT count(*) FROM \"w{i}\"), '{table.RawName}')"));
                }
            }

            text.Append(assert ? ")" : ";\n");
        }

        if (assert)
        {
            // The CTEs run whether or not the SELECT reads them; with no update there is nothing to check.
            text.Append("\nSELECT ").AppendJoin(", ", checks.Count == 0 ? ["1"] : checks);
        }

        return new CompiledWrites(text.ToString(), [.. slots.Select(s => s.Column)], [.. slots.Select(s => s.Name)]);
    }

    // A batch's shape: per write its table, kind and column masks (plus whether updates assert in SQL).
    private sealed class Shape(ulong[] words) : IEquatable<Shape>
    {
        private readonly int _hash = Hash(words);

        public bool Equals(Shape? other) => other is not null && words.AsSpan().SequenceEqual(other.Words);

        public override bool Equals(object? obj) => Equals(obj as Shape);

        public override int GetHashCode() => _hash;

        private ulong[] Words => words;

        private static int Hash(ulong[] words)
        {
            var hash = default(HashCode);
            foreach (var word in words)
            {
                hash.Add(word);
            }

            return hash.ToHashCode();
        }
    }

    private void Add(StagedWrite write)
    {
        _writes.Add(write);
        _byRow[(write.Table, KeyOf(write.Table, write.Row))] = write;
    }

    private sealed class StagedWrite(LedgerTable table, object row, IReadOnlyList<LedgerColumn>? set, object? seen, IReadOnlyList<LedgerColumn> expected)
    {
        public LedgerTable Table { get; } = table;

        public object Row { get; set; } = row;

        /// <summary>Null for an insert; the columns an update sets, in table order.</summary>
        public IReadOnlyList<LedgerColumn>? Set { get; } = set;

        /// <summary>The columns an update expects to still hold what <see cref="ExpectedValue"/> gives, in table order.</summary>
        public IReadOnlyList<LedgerColumn> Expected { get; } = expected;

        /// <summary>The value the row's <paramref name="column"/> must still hold: the one in the row the unit read.</summary>
        public object? ExpectedValue(LedgerColumn column) => column.Read(seen!);

        /// <summary>An insert leaves out a column it has no value for when the database fills it by default.</summary>
        public bool Omits(LedgerColumn column) => column.HasDatabaseDefault && column.Read(Row) is null;

        /// <summary>Writes what the SQL depends on into <paramref name="shape"/> (4 words) and the values to bind, in slot order.</summary>
        public void AppendShape(Span<ulong> shape, SlotValues values)
        {
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
}

/// <summary>A batch's parameter values by slot, in the order the batch binds them.</summary>
internal sealed class SlotValues(int capacity)
{
    private object?[] _values = new object?[Math.Max(capacity, 4)];

    public int Count { get; private set; }

    /// <summary>The value bound to slot <paramref name="index"/>.</summary>
    public object? At(int index) => _values[index];

    /// <summary>Binds the next slot's value.</summary>
    public void Add(object? value)
    {
        if (Count == _values.Length)
        {
            Array.Resize(ref _values, _values.Length * 2);
        }

        _values[Count++] = value;
    }
}

/// <summary>
/// One batch shape's SQL and, per parameter slot, the column whose type mapping binds it and the parameter's name
/// (empty for a positional parameter).
/// </summary>
internal sealed class CompiledWrites(string sql, LedgerColumn[] columns, string[] names)
{
    public string Sql { get; } = sql;

    public LedgerColumn[] Columns { get; } = columns;

    public string[] Names { get; } = names;
}
