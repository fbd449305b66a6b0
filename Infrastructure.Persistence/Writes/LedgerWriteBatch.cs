using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>
/// The writes one unit of work has staged, sent as one command whose SQL the context's <see cref="LedgerProvider"/>
/// writes. A row staged twice is written once, with its latest values. Like a compiled query, the SQL and parameter
/// slots are built once per shape (which tables, which columns, which expected values are NULL); each execution only
/// binds the values, on a command kept for that shape on the context's connection (<see cref="WriteCommandCache"/>).
/// </summary>
internal sealed class LedgerWriteBatch
{
    private static readonly ConditionalWeakTable<LedgerProvider, ConcurrentDictionary<BatchShape, CompiledBatch>> Compiled = [];

    private readonly List<StagedWrite> _writes = [];
    private readonly Dictionary<(LedgerTable Table, object Key), StagedWrite> _byRow = [];

    public bool IsEmpty => _writes.Count == 0;

    /// <summary>How many statements the batch sends (each inserts or updates exactly one row when it succeeds).</summary>
    public int Statements => _writes.Count;

    /// <summary>Stages an insert of <paramref name="row"/>; columns left null that the database fills by default are left out.</summary>
    public void Insert(LedgerTable table, object row) => Add(new StagedWrite(table, row, null, null, []));

    /// <summary>
    /// Stages an addition: <paramref name="row"/> is inserted, or, when a row with its <paramref name="foundBy"/> values
    /// (a UNIQUE constraint's columns) is stored, <paramref name="row"/>'s <paramref name="added"/> columns are added to it.
    /// </summary>
    public void Accumulate(LedgerTable table, object row, IReadOnlyList<LedgerColumn> foundBy, IReadOnlyList<LedgerColumn> added) =>
        Add(new StagedWrite(table, row, null, null, [], foundBy, added));

    /// <summary>
    /// Stages an update of the <paramref name="set"/> columns of the row with <paramref name="row"/>'s key, to
    /// <paramref name="row"/>'s values, applied only while the row's <paramref name="expected"/> columns still hold
    /// <paramref name="seen"/>'s values. Both lists are in table order, so that one shape always means one SQL text.
    /// When that row is already staged in this batch, the staged write takes the new values instead.
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

    /// <summary>Sends the batch through <paramref name="db"/>'s connection and current transaction; returns the rows its statements wrote.</summary>
    public Task<int> ExecuteAsync(LedgerDbContext db, LedgerProvider provider, CancellationToken cancellationToken)
    {
        var values = new ParameterValues(_writes.Count * 12);
        var shape = new ulong[_writes.Count * 4];
        for (var i = 0; i < _writes.Count; i++)
        {
            _writes[i].AppendShape(shape.AsSpan(i * 4, 4), values);
        }

        var compiled = Compiled.GetValue(provider, _ => new()).GetOrAdd(
            new BatchShape(shape),
            static (_, state) => state.Provider.Compile([.. state.Writes], state.Db.GetService<ISqlGenerationHelper>()),
            (Provider: provider, Writes: _writes, Db: db));
        return WriteCommandCache.ExecuteNonQueryAsync(db, compiled, values, cancellationToken);
    }

    public void Clear()
    {
        _writes.Clear();
        _byRow.Clear();
    }

    private static object KeyOf(LedgerTable table, object row) =>
        table.Key.Read(row) ?? throw new InvalidOperationException($"a {table.RawName} row has no key; the ledger generates keys before writing");

    private void Add(StagedWrite write)
    {
        _writes.Add(write);
        _byRow[(write.Table, KeyOf(write.Table, write.Row))] = write;
    }

    // A batch's shape: per write its table, kind and column masks.
    private sealed class BatchShape(ulong[] words) : IEquatable<BatchShape>
    {
        private readonly int _hash = Hash(words);

        public bool Equals(BatchShape? other) => other is not null && words.AsSpan().SequenceEqual(other.Words);

        public override bool Equals(object? obj) => Equals(obj as BatchShape);

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
}
