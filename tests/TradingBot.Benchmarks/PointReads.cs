using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Repositories;
using TradingBot.Infrastructure.Persistence.Rows;
using static System.FormattableString;

namespace TradingBot.Benchmarks;

/// <summary>
/// The worker's two other point reads as the ledger grows: "orders by status" (<c>GetOpenOrdersAsync</c>, every cycle)
/// and "fills of an order" (<c>GetByOrderAsync</c>), each through the unit of work against the very command EF Core
/// builds for it run through raw ADO.NET and mapped by hand into the same domain objects, taking turns; and each
/// command's plan at the largest size.
/// </summary>
internal static class PointReads
{
    private const int WarmUp = 50;
    private const int Iterations = 200;

    /// <summary>Target: the repository's median at most this many times the raw reader's.</summary>
    public const double Target = 1.3;

    public static async Task RunAsync(LedgerProvider provider, IReadOnlyList<(int Size, BenchLedger Ledger)> ledgers, CancellationToken cancellationToken)
    {
        var rows = new List<string>();
        foreach (var (size, ledger) in ledgers)
        {
            var contexts = ledger.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>();
            await using var context = await contexts.CreateDbContextAsync(cancellationToken);

            // A live bot has a few open orders among its history: five, made OPEN by the workload's own shape.
            for (var i = 0; i < 5; i++)
            {
                await ledger.CreateOrdersAsync([Workload.NewOrder(1_000 + i)], cancellationToken);
            }

            var order = await context.Orders.AsNoTracking().Where(o => o.Status == "FILLED").OrderBy(o => o.Id).Select(o => o.Id).FirstAsync(cancellationToken);

            // The raw readers use the connection settings the ledger's own context runs with (on Postgres: its prepared
            // statements, no reset of a pooled connection), so the comparison is of the code paths, not of settings.
            var factory = DbProviderFactories.GetFactory(context.Database.GetDbConnection())!;
            var settings = context.Database.GetConnectionString()!;
            await using var kept = await OpenAsync(factory, settings, cancellationToken);
            await using var open = OrderRepository.OpenOrdersQuery(context).CreateDbCommand();
            await using var fills = FillRepository.ByOrderQuery(context, order).CreateDbCommand();
            open.Connection = kept;
            fills.Connection = kept;

            var openOrders = await MeasureAsync(
                (s, ct) => s.Orders.GetOpenOrdersAsync(ct),
                open,
                r => RowMapping.ToDomain(ReadOrder(provider, r)),
                ledger,
                factory,
                settings,
                cancellationToken);
            var orderFills = await MeasureAsync(
                (s, ct) => s.Fills.GetByOrderAsync(new OrderId(order), ct),
                fills,
                r => RowMapping.ToDomain(ReadFill(provider, r)),
                ledger,
                factory,
                settings,
                cancellationToken);
            rows.Add(Row("orders by status (open)", size, openOrders));
            rows.Add(Row("fills of an order", size, orderFills));
            Console.WriteLine(Invariant($"    point reads at {size:N0} fills: open orders {openOrders.Unit:F3} / {openOrders.RawPerCall:F3} ms, fills of an order {orderFills.Unit:F3} / {orderFills.RawPerCall:F3} ms (unit of work / raw per call, medians)"));

            if (size == ledgers[^1].Size)
            {
                foreach (var (name, command) in new[] { ("orders by status (open)", open), ("fills of an order", fills) })
                {
                    var text = command.CommandText;
                    command.CommandText = provider.ExplainPrefix + text;
                    Console.WriteLine(Invariant($"Plan of {name} at {size:N0} fills:"));
                    foreach (var line in await ReadAsync(command, r => r.GetString(r.FieldCount - 1), cancellationToken))
                    {
                        Console.WriteLine("  " + line);
                    }

                    command.CommandText = text;
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine(Invariant($"# Point reads through the unit of work against raw ADO.NET of the same command: {provider.Name} (medians of {Iterations} runs, taking turns)"));
        Console.WriteLine();
        Console.WriteLine("unit of work = ExecuteAsync of the one read (no transaction: the worker's path for a single read); snapshot = ReadAsync (one REPEATABLE READ");
        Console.WriteLine("transaction on Postgres); raw per call = a hand-written repository's read (a pooled connection opened, a command made, the rows mapped");
        Console.WriteLine("into the same domain objects, the connection closed); raw, kept open = one connection and one command kept for the whole run (a floor).");
        Console.WriteLine();
        Console.WriteLine("unit of work alone = ExecuteAsync around no read (a context from the pool, the execution strategy, a session); EF's query less raw =");
        Console.WriteLine("unit of work - unit of work alone - raw per call: what EF Core's running of the query costs over the hand-written read.");
        Console.WriteLine();
        Console.WriteLine("| query | fills of history | rows | unit of work ms | snapshot ms | raw per call ms | raw, kept open ms | unit / raw per call | snapshot / raw per call | unit / kept open | unit of work alone ms | EF's query less raw ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine(Invariant($"Target: the unit of work at most {Target:F1}x the raw reader per call."));
    }

    private static string Row(string name, int size, Medians m) =>
        Invariant($"| {name} | {size:N0} | {m.Rows} | {m.Unit:F3} | {m.Snapshot:F3} | {m.RawPerCall:F3} | {m.RawKept:F3} | **{m.Unit / m.RawPerCall:F2}x**{(m.Unit / m.RawPerCall > Target ? " (missed)" : "")} | {m.Snapshot / m.RawPerCall:F2}x | {m.Unit / m.RawKept:F2}x | {m.UnitAlone:F3} | {m.Unit - m.UnitAlone - m.RawPerCall:F3} |");

    private const int NoRead = -1;

    private sealed record Medians(int Rows, double Unit, double Snapshot, double RawPerCall, double RawKept, double UnitAlone);

    // The five paths take turns, each iteration starting with the next one, so none is always first after the others.
    private static async Task<Medians> MeasureAsync<T>(
        Func<TradingBot.Application.Ports.ILedgerSession, CancellationToken, Task<IReadOnlyList<T>>> read,
        DbCommand command,
        Func<DbDataReader, T> map,
        BenchLedger ledger,
        DbProviderFactory factory,
        string settings,
        CancellationToken cancellationToken)
    {
        var paths = new Func<Task<int>>[]
        {
            async () => (await ledger.Ledger.ExecuteAsync(read, cancellationToken)).Count,
            async () => (await ledger.Ledger.ReadAsync(read, cancellationToken)).Count,
            async () =>
            {
                await using var connection = await OpenAsync(factory, settings, cancellationToken);
                await using var fresh = connection.CreateCommand();
                fresh.CommandText = command.CommandText;
                foreach (DbParameter parameter in command.Parameters)
                {
                    var copy = fresh.CreateParameter();
                    copy.ParameterName = parameter.ParameterName;
                    copy.DbType = parameter.DbType;
                    copy.Value = parameter.Value;
                    fresh.Parameters.Add(copy);
                }

                return (await ReadAsync(fresh, map, cancellationToken)).Count;
            },
            async () => (await ReadAsync(command, map, cancellationToken)).Count,

            // Not a read: the unit of work around nothing (a context from the pool, the execution strategy, a session),
            // the share of the unit's time that is not the query.
            async () => await ledger.Ledger.ExecuteAsync((_, _) => Task.FromResult(NoRead), cancellationToken),
        };
        var samples = paths.Select(_ => new List<double>()).ToArray();
        var rows = -1;
        for (var i = 0; i < WarmUp + Iterations; i++)
        {
            for (var turn = 0; turn < paths.Length; turn++)
            {
                var path = (i + turn) % paths.Length;
                var started = Stopwatch.GetTimestamp();
                var count = await paths[path]();
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (count != NoRead && rows >= 0 && count != rows)
                {
                    throw new InvalidOperationException($"path {path} returned {count} rows, another {rows}");
                }

                rows = count == NoRead ? rows : count;
                if (i >= WarmUp)
                {
                    samples[path].Add(elapsed);
                }
            }
        }

        return new Medians(rows, FillScenario.Median(samples[0]), FillScenario.Median(samples[1]), FillScenario.Median(samples[2]), FillScenario.Median(samples[3]), FillScenario.Median(samples[4]));
    }

    private static async Task<DbConnection> OpenAsync(DbProviderFactory factory, string settings, CancellationToken cancellationToken)
    {
        var connection = factory.CreateConnection()!;
        connection.ConnectionString = settings;
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<List<T>> ReadAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(read(reader));
        }

        return list;
    }

    // What a hand-written repository does: each column by name and type into the row, then the same mapping.
    private static OrderRow ReadOrder(LedgerProvider provider, DbDataReader r) => new()
    {
        Id = provider.ReadGuid(r, r.GetOrdinal("id")),
        Exchange = r.GetString(r.GetOrdinal("exchange")),
        Symbol = r.GetString(r.GetOrdinal("symbol")),
        Side = r.GetString(r.GetOrdinal("side")),
        Type = r.GetString(r.GetOrdinal("type")),
        QuantityBase = r.GetInt64(r.GetOrdinal("quantity_base")),
        PriceQuote = NullableLong(r, "price_quote"),
        Status = r.GetString(r.GetOrdinal("status")),
        ExchangeOrderId = NullableString(r, "exchange_order_id"),
        IdempotencyKey = NullableString(r, "idempotency_key"),
        FilledQuantityBase = r.GetInt64(r.GetOrdinal("filled_quantity_base")),
        CreatedAt = NullableTime(provider, r, "created_at"),
        UpdatedAt = NullableTime(provider, r, "updated_at"),
        SendDeadline = NullableTime(provider, r, "send_deadline"),
        NeverPlacedAfter = NullableTime(provider, r, "never_placed_after"),
    };

    private static FillRow ReadFill(LedgerProvider provider, DbDataReader r) => new()
    {
        Id = provider.ReadGuid(r, r.GetOrdinal("id")),
        OrderId = r.IsDBNull(r.GetOrdinal("order_id")) ? null : provider.ReadGuid(r, r.GetOrdinal("order_id")),
        ExchangeFillId = r.GetString(r.GetOrdinal("exchange_fill_id")),
        PriceQuote = r.GetInt64(r.GetOrdinal("price_quote")),
        QuantityBase = r.GetInt64(r.GetOrdinal("quantity_base")),
        FeeQuote = r.GetInt64(r.GetOrdinal("fee_quote")),
        FeeAsset = r.GetString(r.GetOrdinal("fee_asset")),
        FilledAt = provider.ReadTime(r, r.GetOrdinal("filled_at")),
        PositionSequence = r.GetInt64(r.GetOrdinal("position_sequence")),
        RealizedPnlQuote = NullableLong(r, "realized_pnl_quote"),
        CreatedAt = NullableTime(provider, r, "created_at"),
    };

    private static long? NullableLong(DbDataReader r, string column) => r.IsDBNull(r.GetOrdinal(column)) ? null : r.GetInt64(r.GetOrdinal(column));

    private static string? NullableString(DbDataReader r, string column) => r.IsDBNull(r.GetOrdinal(column)) ? null : r.GetString(r.GetOrdinal(column));

    private static DateTimeOffset? NullableTime(LedgerProvider provider, DbDataReader r, string column) => r.IsDBNull(r.GetOrdinal(column)) ? null : provider.ReadTime(r, r.GetOrdinal(column));
}
