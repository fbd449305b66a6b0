using System.Globalization;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using TradingBot.Domain.Orders;
using TradingBot.TestPostgres;

namespace TradingBot.Benchmarks;

/// <summary>A durable PostgreSQL server (fsync, full_page_writes, synchronous_commit on); a new migrated database per scenario.</summary>
internal sealed class PostgresProvider(PostgresServer server) : LedgerProvider
{
    public PostgresServer Server => server;

    public override Func<TimeSpan>? ServerCpu => server.LocalServerProcessId is { } postmaster ? () => LocalProcesses.CpuOfTree(postmaster) : null;

    public override string Name => "Postgres";

    public override string RawClient => "Npgsql";

    public static async Task<PostgresProvider> StartAsync(CancellationToken cancellationToken) =>
        new(await PostgresServer.StartAsync(durable: true, cancellationToken));

    public override async Task<BenchLedger> CreateLedgerAsync(string label, IInterceptor? trace, CancellationToken cancellationToken)
    {
        var name = $"bench_{label}_{Guid.NewGuid():N}"[..40];
        var connectionString = await server.CreateDatabaseAsync(name, cancellationToken: cancellationToken);
        var services = await BenchLedger.BuildServicesAsync(s => s.AddPostgresLedger(connectionString), trace, cancellationToken);
        return new BenchLedger(
            connectionString,
            services,
            async ct =>
            {
                var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                return connection;
            },
            async () => await server.DropDatabaseAsync(name));
    }

    public override async Task<IFillWriter> CreateRawWriterAsync(BenchLedger ledger, Order order, int writer, CancellationToken cancellationToken) =>
        await RawPostgresFillWriter.OpenAsync(ledger.ConnectionString, order.Id, writer, cancellationToken);

    public override async Task<IReadOnlyList<(string Name, string Value)>> DescribeAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        var settings = new List<(string, string)>
        {
            ("PostgreSQL", await ScalarTextAsync(connection, "SELECT version()", cancellationToken)),
            ("server", server.Kind.ToString()),
        };
        foreach (var setting in new[] { "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "shared_buffers", "max_wal_size" })
        {
            settings.Add((setting, await ScalarTextAsync(connection, $"SHOW {setting}", cancellationToken)));
        }

        return settings;
    }

    public override async Task BeforeScenarioAsync(BenchLedger ledger, CancellationToken cancellationToken) =>
        await CheckpointAsync(cancellationToken);

    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "CHECKPOINT";
        checkpoint.CommandTimeout = 0;
        await checkpoint.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task LoadFundingAsync(BenchLedger ledger, FundingSeries series, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);

        // Oldest first; ids are UUIDv7 built from the instant (as Guid.CreateVersion7 would), so they grow with time.
        const string Sql = """
            INSERT INTO funding_snapshots (id, exchange, symbol, funding_rate_bps, mark_price_quote, index_price_quote, snapshot_at, created_at)
            SELECT (lpad(to_hex((extract(epoch FROM t.at) * 1000)::bigint), 12, '0') || '7' || lpad(to_hex(s.n), 3, '0')
                    || '8' || lpad(to_hex(t.i), 15, '0'))::uuid,
                   @exchange,
                   'FUND' || s.n || 'USDT',
                   10000 + ((t.i * 37 + s.n * 11) % 2001) - 1000,
                   (50000 + s.n * 1000)::bigint * 100000000 + (t.i % 100000) * 1000000,
                   (50000 + s.n * 1000)::bigint * 100000000 + (t.i % 100000) * 1000000 - 500000,
                   t.at,
                   @newest
            FROM (SELECT i, @newest - i * interval '30 seconds' AS at FROM generate_series(@first::bigint, @last::bigint, -1) AS i) AS t
            CROSS JOIN generate_series(0, @symbols - 1) AS s(n)
            """;
        // Bulk load: the secondary indexes are dropped and rebuilt afterwards from their own definitions.
        var indexes = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'funding_snapshots' AND indexname <> 'funding_snapshots_pkey'";
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                indexes.Add(reader.GetString(0));
                indexes.Add(reader.GetString(1));
            }
        }

        for (var i = 0; i < indexes.Count; i += 2)
        {
            await ExecuteAsync(connection, $"DROP INDEX \"{indexes[i]}\"", cancellationToken);
        }

        var chunk = Math.Max(1, series.RowsPerSymbol / 10);
        for (var start = series.RowsPerSymbol - 1; start >= 0; start -= chunk)
        {
            var end = Math.Max(0, start - chunk + 1);
            await using var insert = (NpgsqlCommand)connection.CreateCommand();
            insert.CommandText = Sql;
            insert.CommandTimeout = 0;
            insert.Parameters.Add(new NpgsqlParameter<string>("exchange", NpgsqlDbType.Text) { TypedValue = Workload.Exchange.Value });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("newest", NpgsqlDbType.TimestampTz) { TypedValue = series.Newest });
            insert.Parameters.Add(new NpgsqlParameter<long>("first", NpgsqlDbType.Bigint) { TypedValue = start });
            insert.Parameters.Add(new NpgsqlParameter<long>("last", NpgsqlDbType.Bigint) { TypedValue = end });
            insert.Parameters.Add(new NpgsqlParameter<int>("symbols", NpgsqlDbType.Integer) { TypedValue = series.Symbols });
            await insert.ExecuteNonQueryAsync(cancellationToken);
            progress(string.Create(CultureInfo.InvariantCulture, $"loaded {(long)(series.RowsPerSymbol - end) * series.Symbols:N0} rows"));
        }

        // A partitioned table's own index reads "ON ONLY": made again as written it would cover no partition.
        for (var i = 1; i < indexes.Count; i += 2)
        {
            await ExecuteAsync(connection, indexes[i].Replace(" ON ONLY ", " ON ", StringComparison.Ordinal), cancellationToken);
        }

        progress($"rebuilt {indexes.Count / 2} secondary indexes");
    }

    public override async Task AnalyzeAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        await using var analyze = connection.CreateCommand();
        analyze.CommandText = "ANALYZE funding_snapshots";
        analyze.CommandTimeout = 0;
        await analyze.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override async Task SeedHistoryAsync(BenchLedger ledger, int fills, CancellationToken cancellationToken)
    {
        var orders = fills / 10;
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, string.Create(CultureInfo.InvariantCulture, $"""
            INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, idempotency_key, filled_quantity_base, created_at, updated_at)
            SELECT uuid(lpad(to_hex(g), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(g), 12, '0')), 'BINANCE', 'HIST' || (g % 10) || 'USDT', 'BUY', 'MARKET', 1000000, 'FILLED', 'h-' || g, 1000000,
                   now() - ({orders} - g) * interval '1 second', now() - ({orders} - g) * interval '1 second'
            FROM generate_series(1, {orders}) g;
            INSERT INTO fills (id, order_id, exchange_fill_id, price_quote, quantity_base, fee_quote, fee_asset, filled_at, position_sequence, realized_pnl_quote)
            SELECT uuid(lpad(to_hex(substr(o.idempotency_key, 3)::bigint), 8, '0') || '-' || lpad(to_hex(k), 4, '0') || '-7000-9000-000000000000'), o.id,
                   'H-' || substr(o.idempotency_key, 3) || '-' || k, 6400000000000, 100000, 2000000, 'USDT', o.created_at,
                   (substr(o.idempotency_key, 3)::bigint - 1) / 10 * 10 + k, 0
            FROM orders o CROSS JOIN generate_series(1, 10) k WHERE o.idempotency_key LIKE 'h-%' ORDER BY o.created_at, k;
            INSERT INTO pnl_days (id, exchange, symbol, utc_day, trading_pnl_quote, fees_paid_quote, funding_quote)
            SELECT gen_random_uuid(), o.exchange, o.symbol, date_trunc('day', f.filled_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', SUM(f.realized_pnl_quote), SUM(f.fee_quote), 0
            FROM fills f JOIN orders o ON o.id = f.order_id WHERE o.idempotency_key LIKE 'h-%'
            GROUP BY o.exchange, o.symbol, date_trunc('day', f.filled_at AT TIME ZONE 'UTC');
            INSERT INTO audit_log (id, event_type, event_data, created_at)
            SELECT gen_random_uuid(), 'FILL', jsonb_build_object('fill', 'H-' || g), now() - ({fills} - g) * interval '100 milliseconds'
            FROM generate_series(1, {fills}) g;
            """), cancellationToken);
        await SeedHistoryPositionsAsync(ledger, fills, cancellationToken);
        await ExecuteAsync(connection, "VACUUM ANALYZE", cancellationToken);

        // The load's WAL is flushed to the tables now, not by a checkpoint in the middle of the rounds measured after it.
        await ExecuteAsync(connection, "CHECKPOINT", cancellationToken);
    }

    /// <inheritdoc />
    public override async Task<long> SizeAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_database_size(current_database())";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public override string ExplainPrefix => "EXPLAIN (ANALYZE, BUFFERS) ";

    /// <inheritdoc />
    public override Guid ReadGuid(System.Data.Common.DbDataReader reader, int ordinal) => reader.GetGuid(ordinal);

    /// <inheritdoc />
    public override DateTimeOffset ReadTime(System.Data.Common.DbDataReader reader, int ordinal) => new(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));

    public override ValueTask DisposeAsync() => server.DisposeAsync();

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<string> ScalarTextAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) ?? "";
    }
}
