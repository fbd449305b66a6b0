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

        for (var i = 1; i < indexes.Count; i += 2)
        {
            await ExecuteAsync(connection, indexes[i], cancellationToken);
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

    public override string ExplainPrefix => "EXPLAIN (ANALYZE, BUFFERS) ";

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
