using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Partitions;

namespace TradingBot.Infrastructure.Postgres;

/// <summary>
/// The ledger's time series partitioned by UTC month on Postgres (<see cref="LedgerPartitioning.Monthly"/>): the
/// conversion of a new ledger's empty tables, the months created ahead (and rows moved out of the default partition
/// into a month made for them), and the partitions prune drops. Every name and bound is read from the catalog.
/// </summary>
internal sealed class PostgresPartitions : ILedgerPartitions
{
    public static readonly PostgresPartitions Instance = new();

    // One maintenance at a time per database (the worker's daily check, migrate, copy-ledger): a transaction-level advisory lock.
    private const long MaintenanceLock = 0x5442_5041_5254; // "TBPART"

    // How long a partition's DDL waits for a lock before giving up (and the caller trying again later), so that a queued
    // ACCESS EXCLUSIVE request never holds the worker's writes behind a long reader such as pg_dump.
    private const string LockWait = "5s";

    private PostgresPartitions()
    {
    }

    public IReadOnlyList<(string Table, string TimeColumn)> Tables { get; } = [("funding_snapshots", "snapshot_at"), ("audit_log", "created_at")];

    public async Task<IReadOnlyDictionary<string, bool>> StateAsync(LedgerDbContext db, CancellationToken cancellationToken)
    {
        var state = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (table, _) in Tables)
        {
            var kind = await QueryAsync(db, $"SELECT relkind::text FROM pg_class WHERE oid = to_regclass({Literal(table)})", r => r.GetString(0), cancellationToken).ConfigureAwait(false);
            state[table] = kind.Count == 1 ? kind[0] == "p" : throw new InvalidOperationException($"the ledger has no table {table}: run the migrations first");
        }

        return state;
    }

    public async Task<IReadOnlyList<string>> ConvertAsync(LedgerDbContext db, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(db, string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({MaintenanceLock})"), cancellationToken).ConfigureAwait(false);
        if ((await StateAsync(db, cancellationToken).ConfigureAwait(false)).Values.Any(partitioned => partitioned))
        {
            return []; // another run converted them meanwhile: nothing to do
        }

        var holding = new List<string>();
        foreach (var (table, _) in Tables)
        {
            await ExecuteAsync(db, $"LOCK TABLE {Identifier(table)} IN ACCESS EXCLUSIVE MODE", cancellationToken).ConfigureAwait(false);
            if ((await QueryAsync(db, $"SELECT 1 FROM {Identifier(table)} LIMIT 1", r => r.GetInt32(0), cancellationToken).ConfigureAwait(false)).Count > 0)
            {
                holding.Add(table);
            }
        }

        if (holding.Count > 0)
        {
            return holding; // rolled back: nothing converted
        }

        foreach (var (table, column) in Tables)
        {
            await ConvertAsync(db, table, column, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [];
    }

    // The table is empty and locked: a partitioned twin with its columns, defaults, CHECKs and comments replaces it; its
    // primary key (same name) adds the time column, which becomes NOT NULL; its named indexes are made again on the parent
    // (each partition's own index then gets a name derived from the partition's).
    private static async Task ConvertAsync(LedgerDbContext db, string table, string column, CancellationToken cancellationToken)
    {
        var oid = $"to_regclass({Literal(table)})";
        var schema = await SchemaOfAsync(db, table, cancellationToken).ConfigureAwait(false);
        var indexes = await QueryAsync(db, $"SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = {oid} AND NOT indisprimary ORDER BY indexrelid::regclass::text", r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        var key = await QueryAsync(
            db,
            $"""
            SELECT c.conname, a.attname FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
            WHERE c.conrelid = {oid} AND c.contype = 'p' ORDER BY k.n
            """,
            r => (Name: r.GetString(0), Column: r.GetString(1)),
            cancellationToken).ConfigureAwait(false);
        if (key.Count == 0)
        {
            throw new InvalidOperationException($"{table} has no primary key; the ledger's migrations give it one");
        }

        var keyColumns = key.Select(k => k.Column).ToList();
        if (!keyColumns.Contains(column))
        {
            keyColumns.Add(column); // a partitioned table's primary key must include its partition key
        }

        var twin = $"{Identifier(schema)}.{Identifier(table + "_partitioned")}";
        await ExecuteAsync(db, $"CREATE TABLE {twin} (LIKE {Identifier(schema)}.{Identifier(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS INCLUDING STORAGE) PARTITION BY RANGE ({Identifier(column)})", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(db, $"ALTER TABLE {twin} ALTER COLUMN {Identifier(column)} SET NOT NULL", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(db, $"DROP TABLE {Identifier(schema)}.{Identifier(table)}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(db, $"ALTER TABLE {twin} RENAME TO {Identifier(table)}", cancellationToken).ConfigureAwait(false);
        var parent = $"{Identifier(schema)}.{Identifier(table)}";
        await ExecuteAsync(db, $"ALTER TABLE {parent} ADD CONSTRAINT {Identifier(key[0].Name)} PRIMARY KEY ({string.Join(", ", keyColumns.Select(Identifier))})", cancellationToken).ConfigureAwait(false);
        foreach (var index in indexes)
        {
            await ExecuteAsync(db, index, cancellationToken).ConfigureAwait(false); // its definition names the table, which now is the parent
        }

        await ExecuteAsync(db, $"CREATE TABLE {Identifier(schema)}.{Identifier(table + "_default")} PARTITION OF {parent} DEFAULT", cancellationToken).ConfigureAwait(false);
    }

    public async Task<(IReadOnlyList<string> Created, long RowsMoved)> MaintainAsync(LedgerDbContext db, DateTimeOffset now, int monthsAhead, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(db, string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({MaintenanceLock})"), cancellationToken).ConfigureAwait(false);

        // Locks are waited for a few seconds at most (a pg_dump holds every table while it runs): the caller tries again later.
        await ExecuteAsync(db, $"SET LOCAL lock_timeout = {Literal(LockWait)}", cancellationToken).ConfigureAwait(false);
        var created = new List<string>();
        long moved = 0;
        foreach (var (table, column) in Tables)
        {
            var (partitions, missing) = await MissingMonthsAsync(db, table, column, now, monthsAhead, cancellationToken).ConfigureAwait(false);
            if (partitions.Count == 0 || missing.Count == 0)
            {
                continue; // not partitioned; or the daily check, most days: nothing locked
            }

            // One writer at a time from here: the parent and every partition (the default one too) are locked until the
            // commit, and what is missing is read again under the lock.
            var schema = await SchemaOfAsync(db, table, cancellationToken).ConfigureAwait(false);
            var parent = $"{Identifier(schema)}.{Identifier(table)}";
            await ExecuteAsync(db, $"LOCK TABLE {parent} IN ACCESS EXCLUSIVE MODE", cancellationToken).ConfigureAwait(false);
            (partitions, missing) = await MissingMonthsAsync(db, table, column, now, monthsAhead, cancellationToken).ConfigureAwait(false);
            var fallback = partitions.FirstOrDefault(p => p.IsDefault);
            foreach (var (month, waiting) in missing)
            {
                var until = month.AddMonths(1);
                var name = string.Create(CultureInfo.InvariantCulture, $"{table}_{month:yyyy}_{month:MM}");
                var partition = $"{Identifier(schema)}.{Identifier(name)}";
                var bounds = $"FOR VALUES FROM ({Literal(Timestamp(month))}) TO ({Literal(Timestamp(until))})";
                if (waiting)
                {
                    // The month's rows wait in the default partition: they move into the new table, which then becomes the month.
                    await ExecuteAsync(db, $"CREATE TABLE {partition} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)", cancellationToken).ConfigureAwait(false);
                    moved += await ExecuteAsync(
                        db,
                        $"WITH moved AS (DELETE FROM {fallback!.Name} WHERE {Identifier(column)} >= {Literal(Timestamp(month))} AND {Identifier(column)} < {Literal(Timestamp(until))} RETURNING *) INSERT INTO {partition} SELECT * FROM moved",
                        cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(db, $"ALTER TABLE {parent} ATTACH PARTITION {partition} {bounds}", cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ExecuteAsync(db, $"CREATE TABLE {partition} PARTITION OF {parent} {bounds}", cancellationToken).ConfigureAwait(false);
                }

                created.Add(name);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (created, moved);
    }

    public async Task LockAsync(LedgerDbContext db, IReadOnlyList<TablePartition> partitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        await ExecuteAsync(db, $"SET LOCAL lock_timeout = {Literal(LockWait)}", cancellationToken).ConfigureAwait(false);
        if (partitions.Count > 0)
        {
            await ExecuteAsync(db, $"LOCK TABLE {string.Join(", ", partitions.Select(p => p.Name))} IN SHARE MODE", cancellationToken).ConfigureAwait(false);
        }
    }

    // The months from now's through monthsAhead later, and those of rows waiting in the default partition (true), that
    // no partition covers yet (a partition made by hand over some of them, even with MINVALUE or MAXVALUE, covers them).
    private async Task<(IReadOnlyList<TablePartition> Partitions, List<(DateTimeOffset Month, bool Waiting)> Missing)> MissingMonthsAsync(
        LedgerDbContext db, string table, string column, DateTimeOffset now, int monthsAhead, CancellationToken cancellationToken)
    {
        var partitions = await PartitionsAsync(db, table, cancellationToken).ConfigureAwait(false);
        var months = new SortedDictionary<DateTimeOffset, bool>();
        foreach (var month in Enumerable.Range(0, monthsAhead + 1).Select(i => MonthOf(now).AddMonths(i)))
        {
            months[month] = false;
        }

        if (partitions.FirstOrDefault(p => p.IsDefault) is { } fallback)
        {
            var waiting = await QueryAsync(
                db,
                $"SELECT DISTINCT EXTRACT(EPOCH FROM date_trunc('month', {Identifier(column)}, 'UTC'))::bigint FROM {fallback.Name} WHERE {Identifier(column)} IS NOT NULL",
                r => DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(0)),
                cancellationToken).ConfigureAwait(false);
            foreach (var month in waiting)
            {
                months[month] = true;
            }
        }

        return (partitions, [.. months
            .Where(m => !partitions.Any(p => !p.IsDefault && (p.From ?? DateTimeOffset.MinValue) < m.Key.AddMonths(1) && (p.Until ?? DateTimeOffset.MaxValue) > m.Key))
            .Select(m => (m.Key, m.Value))]);
    }

    private static async Task<string> SchemaOfAsync(LedgerDbContext db, string table, CancellationToken cancellationToken) =>
        (await QueryAsync(db, $"SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass({Literal(table)})", r => r.GetString(0), cancellationToken).ConfigureAwait(false)).Single();

    public async Task<IReadOnlyList<TablePartition>> PartitionsAsync(LedgerDbContext db, string table, CancellationToken cancellationToken)
    {
        // Each bound as seconds since the epoch, cast back in the statement that printed it: whatever the session's
        // TimeZone and DateStyle, the text and its reading agree. MINVALUE and MAXVALUE read as NULL (unbounded).
        var rows = await QueryAsync(
            db,
            $"""
            SELECT p.name, p.bound = 'DEFAULT',
                   EXTRACT(EPOCH FROM ((regexp_match(p.bound, 'FROM \(''([^'']*)''\)'))[1])::timestamptz)::bigint,
                   EXTRACT(EPOCH FROM ((regexp_match(p.bound, 'TO \(''([^'']*)''\)'))[1])::timestamptz)::bigint
            FROM (SELECT c.oid::regclass::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
                  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass({Literal(table)})) AS p
            """,
            r => new TablePartition(
                r.GetString(0),
                r.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(2)),
                r.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(3)))
            {
                IsDefault = r.GetBoolean(1),
            },
            cancellationToken).ConfigureAwait(false);
        return [.. rows.OrderBy(p => p.IsDefault).ThenBy(p => p.From ?? DateTimeOffset.MinValue)];
    }

    public string SelectAll(TablePartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return $"SELECT * FROM {partition.Name}";
    }

    public async Task DropAsync(LedgerDbContext db, string table, TablePartition partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partition);
        await ExecuteAsync(db, $"ALTER TABLE {Identifier(table)} DETACH PARTITION {partition.Name}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(db, $"DROP TABLE {partition.Name}", cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset MonthOf(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
    }

    private static string Timestamp(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss+00", CultureInfo.InvariantCulture);

    private static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task<int> ExecuteAsync(LedgerDbContext db, string sql, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.CommandTimeout = 0;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private static async Task<List<T>> QueryAsync<T>(LedgerDbContext db, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(read(reader));
            }

            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

}
