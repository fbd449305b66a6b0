using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>
/// The writes one unit of work has staged: explicit inserts and key-addressed updates, sent as one statement
/// batch. An update carries the values it expects the row to still hold, so a row changed since it was read
/// fails the batch (see <see cref="ExecuteAsync"/>). A row staged twice is written once, with its latest values.
/// <para>
/// Like a compiled query, a batch's SQL and typed parameter slots are built once per shape (which tables,
/// which columns, which expected values are NULL) as an EF Core relational command; each execution only passes
/// the values, which EF Core binds through the model's type mappings and value converters.
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

    private static readonly ConditionalWeakTable<IRelationalCommandBuilderFactory, ConcurrentDictionary<Shape, IRelationalCommand>> Compiled = [];

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
    /// its INSERT and plain UPDATE statements wrote. With <paramref name="assertUpdatesInSql"/> each update checks
    /// itself in the database (<see cref="ExpectOneRowFunction"/>) instead of being counted.
    /// </summary>
    public async Task<int> ExecuteAsync(LedgerDbContext db, bool assertUpdatesInSql, CancellationToken cancellationToken)
    {
        var values = new SlotValues(_writes.Count * 12);
        var shape = new ulong[(_writes.Count * 4) + 1];
        shape[0] = assertUpdatesInSql ? 1UL : 0UL;
        for (var i = 0; i < _writes.Count; i++)
        {
            _writes[i].AppendShape(shape.AsSpan(1 + (i * 4), 4), values);
        }

        var commands = Compiled.GetValue(db.GetService<IRelationalCommandBuilderFactory>(), _ => new());
        var command = commands.GetOrAdd(new Shape(shape), static (_, state) => state.Batch.Compile(state.Db, state.Assert), (Batch: this, Db: db, Assert: assertUpdatesInSql));
        return await command.ExecuteNonQueryAsync(
            new RelationalCommandParameterObject(
                db.GetService<IRelationalConnection>(),
                values,
                null,
                db,
                db.GetService<IRelationalCommandDiagnosticsLogger>(),
                CommandSource.ExecuteSqlRaw),
            cancellationToken).ConfigureAwait(false);
    }

    public void Clear()
    {
        _writes.Clear();
        _byRow.Clear();
    }

    private static object KeyOf(LedgerTable table, object row) =>
        table.Key.Read(row) ?? throw new InvalidOperationException($"a {table.RawName} row has no key; the ledger generates keys before writing");

    private static readonly string[] Slots = [.. Enumerable.Range(0, 256).Select(i => string.Create(CultureInfo.InvariantCulture, $"p{i}"))];

    internal static string Slot(int index) => index < Slots.Length ? Slots[index] : string.Create(CultureInfo.InvariantCulture, $"p{index}");

    // The SQL and parameter slots of this batch's shape, numbered in the order AppendShape binds the values.
    private IRelationalCommand Compile(LedgerDbContext db, bool assert)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var builder = db.GetService<IRelationalCommandBuilderFactory>().Create();
        var slots = 0;
        string Bind(LedgerColumn column)
        {
            var invariant = Slot(slots++);
            var name = sql.GenerateParameterNamePlaceholder(invariant);
            builder.AddParameter(invariant, name, column.Mapping, column.IsNullable);
            return name;
        }

        foreach (var write in _writes)
        {
            var table = write.Table;
            if (write.Set is null)
            {
                var included = table.Columns.Where(c => !write.Omits(c)).ToList();
                builder.Append("INSERT INTO ").Append(table.Name).Append(" (")
                    .Append(string.Join(", ", included.Select(c => c.Name))).Append(") VALUES (")
                    .Append(string.Join(", ", included.Select(Bind))).Append(")");
            }
            else
            {
                if (assert)
                {
                    builder.Append("WITH \"updated\" AS (");
                }

                builder.Append("UPDATE ").Append(table.Name).Append(" SET ")
                    .Append(string.Join(", ", write.Set.Select(c => $"{c.Name} = {Bind(c)}")))
                    .Append(" WHERE ").Append(table.Key.Name).Append(" = ").Append(Bind(table.Key));
                foreach (var column in write.Expected)
                {
                    builder.Append(" AND ").Append(column.Name).Append(write.ExpectedValue(column) is null ? " IS NULL" : $" = {Bind(column)}");
                }

                if (assert)
                {
                    builder.Append(" RETURNING 1) SELECT ").Append(ExpectOneRowFunction)
                        .Append("(count(*), '").Append(table.RawName).Append("') FROM \"updated\"");
                }
            }

            builder.Append(";\n");
        }

        return builder.Build();
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

/// <summary>
/// A batch's parameter values by slot (<c>p0</c>, <c>p1</c>, ...), in the order the batch binds them: what EF Core's
/// command looks each parameter's value up in, kept as an array instead of a hashed dictionary built per batch.
/// </summary>
internal sealed class SlotValues(int capacity) : IReadOnlyDictionary<string, object?>
{
    private object?[] _values = new object?[Math.Max(capacity, 4)];

    public int Count { get; private set; }

    public IEnumerable<string> Keys => Enumerable.Range(0, Count).Select(LedgerWriteBatch.Slot);

    public IEnumerable<object?> Values => _values.Take(Count);

    public object? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"the batch has no parameter {key}");

    /// <summary>Binds the next slot's value.</summary>
    public void Add(object? value)
    {
        if (Count == _values.Length)
        {
            Array.Resize(ref _values, _values.Length * 2);
        }

        _values[Count++] = value;
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, out object? value)
    {
        var index = IndexOf(key);
        value = index >= 0 ? _values[index] : null;
        return index >= 0;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return new KeyValuePair<string, object?>(LedgerWriteBatch.Slot(i), _values[i]);
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    // "p17" is slot 17; anything else is not a slot of this batch.
    private int IndexOf(string key) =>
        key.Length > 1 && key[0] == 'p' && int.TryParse(key.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < Count
            && key.Length == LedgerWriteBatch.Slot(index).Length
            ? index
            : -1;
}
