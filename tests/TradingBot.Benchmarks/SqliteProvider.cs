using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Configurations;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Benchmarks;

/// <summary>Ledger files in a temporary folder; every scenario gets a new, migrated file.</summary>
internal sealed class SqliteProvider : LedgerProvider
{
    /// <summary>The SqlitePragmas interceptor's pragmas, set once on every raw connection.</summary>
    public static readonly string Pragmas =
        $"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout={(int)SqliteLedger.BusyTimeout.TotalMilliseconds};";

    private readonly string _folder = Directory.CreateTempSubdirectory("tradingbot-bench-").FullName;

    public override string Name => "SQLite";

    public override string RawClient => "Microsoft.Data.Sqlite";

    public string Folder => _folder;

    public static async Task<SqliteConnection> OpenRawAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(SqliteLedger.PrepareConnectionString(connectionString));
        await connection.OpenAsync(cancellationToken);
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = Pragmas;
        await pragmas.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    public override async Task<BenchLedger> CreateLedgerAsync(string label, IInterceptor? trace, CancellationToken cancellationToken)
    {
        var file = Path.Combine(_folder, $"{label}-{Guid.NewGuid():N}.db");
        var connectionString = $"Data Source={file}";
        var services = await BenchLedger.BuildServicesAsync(s => s.AddSqliteLedger(connectionString), trace, cancellationToken);
        return new BenchLedger(
            connectionString,
            services,
            async ct => await OpenRawAsync(connectionString, ct),
            () =>
            {
                SqliteConnection.ClearAllPools();
                foreach (var path in new[] { file, file + "-wal", file + "-shm" })
                {
                    File.Delete(path);
                }

                return ValueTask.CompletedTask;
            });
    }

    public override async Task<IFillWriter> CreateRawWriterAsync(BenchLedger ledger, Order order, int writer, CancellationToken cancellationToken) =>
        await RawSqliteFillWriter.OpenAsync(ledger.ConnectionString, order.Id, writer, cancellationToken);

    public override async Task<IReadOnlyList<(string Name, string Value)>> DescribeAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        // Read back through a ledger context's own connection: what the SqlitePragmas interceptor set.
        await using var db = await ledger.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>().CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        var synchronous = await ScalarTextAsync(connection, "PRAGMA synchronous", cancellationToken);
        return
        [
            ("SQLite", await ScalarTextAsync(connection, "SELECT sqlite_version()", cancellationToken)),
            ("journal_mode (EF connection)", await ScalarTextAsync(connection, "PRAGMA journal_mode", cancellationToken)),
            ("synchronous (EF connection)", synchronous == "2" ? "FULL" : synchronous),
            ("database folder", _folder),
        ];
    }

    public override Task BeforeScenarioAsync(BenchLedger ledger, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task LoadFundingAsync(BenchLedger ledger, FundingSeries series, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        await using var connection = await SqliteProvider.OpenRawAsync(ledger.ConnectionString, cancellationToken);
        await using (var cache = connection.CreateCommand())
        {
            cache.CommandText = "PRAGMA cache_size=-262144";
            await cache.ExecuteNonQueryAsync(cancellationToken);
        }

        // Bulk load: the secondary indexes are dropped and rebuilt afterwards from their own definitions.
        var indexes = new List<(string Name, string Sql)>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'funding_snapshots' AND sql IS NOT NULL";
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (name, _) in indexes)
        {
            await ExecuteAsync(connection, $"DROP INDEX \"{name}\"", cancellationToken);
        }

        await using var insert = connection.CreateCommand();
        insert.CommandText =
            "INSERT INTO funding_snapshots (id, exchange, symbol, funding_rate_bps, mark_price_quote, index_price_quote, snapshot_at, created_at) " +
            "VALUES ($id, $exchange, $symbol, $rate, $mark, $index, $at, $created)";
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var exchange = insert.Parameters.Add("$exchange", SqliteType.Text);
        var symbol = insert.Parameters.Add("$symbol", SqliteType.Text);
        var rate = insert.Parameters.Add("$rate", SqliteType.Integer);
        var mark = insert.Parameters.Add("$mark", SqliteType.Integer);
        var index = insert.Parameters.Add("$index", SqliteType.Integer);
        var at = insert.Parameters.Add("$at", SqliteType.Text);
        var created = insert.Parameters.Add("$created", SqliteType.Text);
        exchange.Value = Workload.Exchange.Value;
        created.Value = SqliteLedgerDialect.ToText(series.Newest);
        var symbols = Enumerable.Range(0, series.Symbols).Select(s => FundingSeries.SymbolFor(s).Value).ToArray();

        // Oldest first, all symbols at each instant: ids (UUIDv7 of the instant) and times only grow.
        var chunk = Math.Max(1, series.RowsPerSymbol / 10);
        for (var start = series.RowsPerSymbol - 1; start >= 0; start -= chunk)
        {
            var end = Math.Max(0, start - chunk + 1);
            await using var transaction = connection.BeginTransaction(deferred: false);
            insert.Transaction = transaction;
            insert.Prepare();
            for (var step = start; step >= end; step--)
            {
                var instant = series.At(step);
                var atText = SqliteLedgerDialect.ToText(instant);
                for (var s = 0; s < symbols.Length; s++)
                {
                    id.Value = Guid.CreateVersion7(instant).ToString("D");
                    symbol.Value = symbols[s];
                    rate.Value = FundingSeries.RateFor(step, s);
                    mark.Value = FundingSeries.MarkFor(step, s);
                    index.Value = FundingSeries.IndexFor(step, s);
                    at.Value = atText;
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            await transaction.CommitAsync(cancellationToken);
            progress(string.Create(CultureInfo.InvariantCulture, $"loaded {(long)(series.RowsPerSymbol - end) * series.Symbols:N0} rows"));
        }

        foreach (var (_, sql) in indexes)
        {
            await ExecuteAsync(connection, sql, cancellationToken);
        }

        progress($"rebuilt {indexes.Count} secondary indexes");
    }

    public override async Task AnalyzeAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        await using var analyze = connection.CreateCommand();
        analyze.CommandText = "ANALYZE";
        analyze.CommandTimeout = 0;
        await analyze.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override async Task SeedHistoryAsync(BenchLedger ledger, int fills, CancellationToken cancellationToken)
    {
        var orders = fills / 10;
        var stamp = "strftime('%Y-%m-%d %H:%M:%S.000000', 'now', '-' || (" + orders.ToString(CultureInfo.InvariantCulture) + " - n) || ' seconds')";
        await using var connection = await SqliteProvider.OpenRawAsync(ledger.ConnectionString, cancellationToken);
        await ExecuteAsync(connection, "PRAGMA cache_size=-262144", cancellationToken);
        await ExecuteAsync(connection, string.Create(CultureInfo.InvariantCulture, $"""
            BEGIN;
            WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {orders})
            INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, idempotency_key, filled_quantity_base, created_at, updated_at)
            SELECT printf('%08x-0000-4000-8000-%012x', n, n), 'BINANCE', 'HIST' || (n % 10) || 'USDT', 'BUY', 'MARKET', 1000000, 'FILLED', 'h-' || n, 1000000, {stamp}, {stamp}
            FROM g;
            WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 10)
            INSERT INTO fills (id, order_id, exchange_fill_id, price_quote, quantity_base, fee_quote, fee_asset, filled_at, position_sequence, realized_pnl_quote, created_at)
            SELECT printf('%08x-%04x-4000-9000-000000000000', CAST(substr(o.idempotency_key, 3) AS INTEGER), i), o.id, 'H-' || substr(o.idempotency_key, 3) || '-' || i,
                   6400000000000, 100000, 2000000, 'USDT', o.created_at, (CAST(substr(o.idempotency_key, 3) AS INTEGER) - 1) / 10 * 10 + i, 0, o.created_at
            FROM orders o, k WHERE o.idempotency_key LIKE 'h-%' ORDER BY o.created_at, i;
            INSERT INTO pnl_days (id, exchange, symbol, utc_day, trading_pnl_quote, fees_paid_quote, funding_quote)
            SELECT lower(hex(randomblob(16))), o.exchange, o.symbol, substr(f.filled_at, 1, 10) || ' 00:00:00.000000', SUM(f.realized_pnl_quote), SUM(f.fee_quote), 0
            FROM fills f JOIN orders o ON o.id = f.order_id WHERE o.idempotency_key LIKE 'h-%'
            GROUP BY o.exchange, o.symbol, substr(f.filled_at, 1, 10);
            WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {fills})
            INSERT INTO audit_log (id, event_type, event_data, created_at)
            SELECT printf('%08x-0000-4000-a000-%012x', n, n), 'FILL', json_object('fill', 'H-' || n), strftime('%Y-%m-%d %H:%M:%S.000000', 'now', '-' || (({fills} - n) / 10) || ' seconds')
            FROM g;
            COMMIT;
            """), cancellationToken);
        await SeedHistoryPositionsAsync(ledger, fills, cancellationToken);
        await ExecuteAsync(connection, "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken);
    }

    /// <inheritdoc />
    public override Task<long> SizeAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        var file = new SqliteConnectionStringBuilder(ledger.ConnectionString).DataSource;
        return Task.FromResult(((string[])[file, file + "-wal"]).Where(File.Exists).Sum(f => new FileInfo(f).Length));
    }

    public override string ExplainPrefix => "EXPLAIN QUERY PLAN ";

    /// <inheritdoc />
    public override Guid ReadGuid(System.Data.Common.DbDataReader reader, int ordinal) => Guid.Parse(reader.GetString(ordinal));

    /// <inheritdoc />
    public override DateTimeOffset ReadTime(System.Data.Common.DbDataReader reader, int ordinal) => Infrastructure.Sqlite.SqliteLedgerDialect.FromText(reader.GetString(ordinal));

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<string> ScalarTextAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) ?? "";
    }
}
