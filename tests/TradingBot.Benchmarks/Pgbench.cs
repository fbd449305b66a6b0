using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using TradingBot.TestPostgres;

namespace TradingBot.Benchmarks;

/// <summary>pgbench's result: transactions per second without the initial connection time.</summary>
/// <param name="Tps">tps as pgbench reports it.</param>
/// <param name="LatencyMs">pgbench's average latency in ms.</param>
/// <param name="Transactions">Transactions processed.</param>
internal sealed record PgbenchResult(double Tps, double LatencyMs, long Transactions);

/// <summary>
/// Runs pgbench's built-in TPC-B-like script on the same durable server: <c>pgbench -i -s C</c> into its
/// own database, then <c>pgbench -n -c C -j C -T S -M prepared</c>, over TCP to the loopback address.
/// </summary>
internal static partial class Pgbench
{
    public static string? Find()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (directory.Length > 0 && File.Exists(Path.Combine(directory, "pgbench")))
            {
                return Path.Combine(directory, "pgbench");
            }
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, UseShellExecute = false });
            var bin = process?.StandardOutput.ReadToEnd().Trim();
            process?.WaitForExit();
            return !string.IsNullOrEmpty(bin) && File.Exists(Path.Combine(bin, "pgbench")) ? Path.Combine(bin, "pgbench") : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    public static async Task<PgbenchResult> RunAsync(string pgbench, PostgresProvider postgres, int clients, int seconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        var database = $"pgbench_c{clients}";
        await postgres.Server.DropDatabaseAsync(database, cancellationToken);
        await postgres.Server.CreateDatabaseAsync(database, cancellationToken: cancellationToken);
        try
        {
            await RunToolAsync(pgbench, postgres.Server, ["-i", "-s", Invariant(clients), "-q", database], cancellationToken);
            await postgres.CheckpointAsync(cancellationToken);
            return await MeasureAsync(pgbench, postgres.Server, database, clients, seconds, [], cancellationToken);
        }
        finally
        {
            await postgres.Server.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    /// <summary>
    /// pgbench (a C client on libpq) running the ledger's own record-fill statements against a ledger database: the
    /// same read, then the same write statement (one implicit transaction), each client on its
    /// own order and position with real optimistic checks (the values it read). It measures what a record-fill costs
    /// the database without any .NET client; it is shown next to the targets, not as one.
    /// <paramref name="ledger"/> must hold one OPEN order per client (symbol BENCH{i}USDT) whose position exists.
    /// </summary>
    public static async Task<PgbenchResult> RunLedgerStatementsAsync(string pgbench, PostgresProvider postgres, BenchLedger ledger, int clients, int seconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        ArgumentNullException.ThrowIfNull(ledger);
        var script = Path.Combine(Path.GetTempPath(), $"tradingbot-record-fill-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(script, RecordFillScript, cancellationToken);
        try
        {
            await postgres.CheckpointAsync(cancellationToken);
            var database = new NpgsqlConnectionStringBuilder(ledger.ConnectionString).Database!;
            return await MeasureAsync(pgbench, postgres.Server, database, clients, seconds, ["-D", "known=0", "-f", script], cancellationToken);
        }
        finally
        {
            File.Delete(script);
        }
    }

    // The raw baseline's statements (RawPostgresFillWriter), with the values a fill would bring. The first transaction
    // of a client reads its order and position (kept with \gset), as the ledger does for a fill it cannot take from
    // memory; every later one is the steady state: the write statement alone (one implicit transaction), its
    // updates expecting exactly what the client wrote last (pgbench keeps a client's variables
    // from one transaction to the next). The ledger's order is PARTIALLY_FILLED before the run, so its status stays.
    private const string RecordFillScript = """
        \set n random(1, 9000000000000000000)
        \if :known = 0
        SELECT o.id AS oid, o.exchange AS o_exchange, o.exchange_order_id AS xid, o.filled_quantity_base AS filled, o.quantity_base AS o_quantity, o.side AS o_side, o.status AS st, o.symbol AS o_symbol, p.id AS pid, p.entry_notional_quote AS p_entry, p.fees_paid_quote AS p_fees, p.fill_count AS p_count, p.funding_quote AS p_funding, p.net_quantity_base AS p_net, p.realized_pnl_quote AS p_pnl, p.version AS ver, EXISTS (SELECT 1 FROM fills AS f WHERE f.exchange_fill_id = 'pgbench-' || :n) AS seen FROM orders AS o LEFT JOIN positions AS p ON o.exchange = p.exchange AND o.symbol = p.symbol WHERE o.symbol = 'BENCH' || :client_id || 'USDT' LIMIT 1 \gset
        \set known 1
        \endif
        WITH "w0" AS (INSERT INTO fills (id, exchange_fill_id, fee_asset, fee_quote, filled_at, order_id, position_sequence, price_quote, quantity_base) VALUES (gen_random_uuid(), 'pgbench-' || :n, 'USDT', 2000000, now(), :oid, :p_count::bigint + 1, 5000000000000, 100000)), "w1" AS (UPDATE orders SET exchange_order_id = :xid, filled_quantity_base = :filled::bigint + 100000, status = 'PARTIALLY_FILLED', updated_at = now() WHERE id = :oid AND exchange = :o_exchange AND exchange_order_id = :xid AND filled_quantity_base = :filled::bigint AND quantity_base = :o_quantity::bigint AND side = :o_side AND status = :st AND symbol = :o_symbol RETURNING 1), "w2" AS (UPDATE positions SET entry_notional_quote = :p_entry::bigint + 5000000000, fees_paid_quote = :p_fees::bigint + 2000000, fill_count = :p_count::bigint + 1, funding_quote = :p_funding::bigint, net_quantity_base = :p_net::bigint + 100000, realized_pnl_quote = :p_pnl::bigint, updated_at = now(), version = :ver::bigint + 1 WHERE id = :pid AND entry_notional_quote = :p_entry::bigint AND fees_paid_quote = :p_fees::bigint AND fill_count = :p_count::bigint AND funding_quote = :p_funding::bigint AND net_quantity_base = :p_net::bigint AND realized_pnl_quote = :p_pnl::bigint AND version = :ver::bigint RETURNING 1), "w3" AS (INSERT INTO audit_log (id, created_at, event_data, event_type) VALUES (gen_random_uuid(), now(), '{"exchange_fill_id": "pgbench", "order_id": "01a22d17-7977-7013-bfea-ed4160cc234a", "symbol": "BENCH0USDT", "side": "BUY", "price": "50000", "quantity": "0.001", "fee": "0.02 USDT", "realized_pnl": "0", "position": "0.001"}', 'FILL')) SELECT ledger_expect_one_row((SELECT count(*) FROM "w1"), 'orders'), ledger_expect_one_row((SELECT count(*) FROM "w2"), 'positions');
        \set filled :filled + 100000
        \set p_entry :p_entry + 5000000000
        \set p_fees :p_fees + 2000000
        \set p_count :p_count + 1
        \set p_net :p_net + 100000
        \set ver :ver + 1
        """;

    private static async Task<PgbenchResult> MeasureAsync(string pgbench, PostgresServer server, string database, int clients, int seconds, IReadOnlyList<string> script, CancellationToken cancellationToken)
    {
        var output = await RunToolAsync(
            pgbench,
            server,
            ["-n", "-c", Invariant(clients), "-j", Invariant(clients), "-T", Invariant(seconds), "-M", "prepared", .. script, database],
            cancellationToken);
        var tps = TpsLine().Match(output);
        if (!tps.Success)
        {
            throw new InvalidOperationException($"pgbench printed no 'tps = X (without initial connection time)' line:\n{output}");
        }

        var failed = FailedLine().Match(output);
        if (failed.Success && long.Parse(failed.Groups[1].Value, CultureInfo.InvariantCulture) != 0)
        {
            throw new InvalidOperationException($"pgbench reported failed transactions:\n{output}");
        }

        var latency = LatencyLine().Match(output);
        var processed = ProcessedLine().Match(output);
        return new PgbenchResult(
            double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
            latency.Success ? double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
            processed.Success ? long.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture) : -1);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<string> RunToolAsync(string pgbench, PostgresServer server, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnectionStringBuilder(server.AdminConnectionString);
        var start = new ProcessStartInfo(pgbench)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-h", connection.Host ?? "127.0.0.1", "-p", Invariant(connection.Port), "-U", connection.Username ?? "postgres" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (!string.IsNullOrEmpty(connection.Password))
        {
            start.Environment["PGPASSWORD"] = connection.Password;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {pgbench}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = await output + await error;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbench {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{text}");
        }

        return text;
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"latency average = ([0-9.]+) ms")]
    private static partial Regex LatencyLine();

    [GeneratedRegex(@"number of transactions actually processed: ([0-9]+)")]
    private static partial Regex ProcessedLine();

    [GeneratedRegex(@"number of failed transactions: ([0-9]+)")]
    private static partial Regex FailedLine();
}
