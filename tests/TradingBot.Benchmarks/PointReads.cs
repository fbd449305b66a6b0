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
            await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
            await using var open = OrderRepository.OpenOrdersQuery(context).CreateDbCommand();
            await using var fills = FillRepository.ByOrderQuery(context, order).CreateDbCommand();
            open.Connection = connection;
            fills.Connection = connection;

            var openOrders = await MeasureAsync(
                () => ledger.Ledger.ReadAsync((s, ct) => s.Orders.GetOpenOrdersAsync(ct), cancellationToken),
                async () => (await ReadAsync(open, r => RowMapping.ToDomain(ReadOrder(provider, r)), cancellationToken)).Count,
                r => r.Count);
            var orderFills = await MeasureAsync(
                () => ledger.Ledger.ReadAsync((s, ct) => s.Fills.GetByOrderAsync(new OrderId(order), ct), cancellationToken),
                async () => (await ReadAsync(fills, r => RowMapping.ToDomain(ReadFill(provider, r)), cancellationToken)).Count,
                r => r.Count);
            rows.Add(Invariant($"| orders by status (open) | {size:N0} | {openOrders.Rows} | {openOrders.Ef:F3} | {openOrders.Raw:F3} | **{openOrders.Ef / openOrders.Raw:F2}x**{(openOrders.Ef / openOrders.Raw > Target ? " (missed)" : "")} |"));
            rows.Add(Invariant($"| fills of an order | {size:N0} | {orderFills.Rows} | {orderFills.Ef:F3} | {orderFills.Raw:F3} | **{orderFills.Ef / orderFills.Raw:F2}x**{(orderFills.Ef / orderFills.Raw > Target ? " (missed)" : "")} |"));
            Console.WriteLine(Invariant($"    point reads at {size:N0} fills: open orders {openOrders.Ef:F3} / {openOrders.Raw:F3} ms, fills of an order {orderFills.Ef:F3} / {orderFills.Raw:F3} ms (EF / raw medians)"));

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
        Console.WriteLine("| query | fills of history | rows | EF ms | raw ms | EF / raw |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine(Invariant($"Target: EF at most {Target:F1}x raw."));
    }

    private static async Task<(int Rows, double Ef, double Raw)> MeasureAsync<T>(Func<Task<T>> ef, Func<Task<int>> raw, Func<T, int> count)
    {
        var efSamples = new List<double>();
        var rawSamples = new List<double>();
        var rows = 0;
        for (var i = 0; i < WarmUp + Iterations; i++)
        {
            double efMs = 0, rawMs = 0;
            for (var turn = 0; turn < 2; turn++)
            {
                var started = Stopwatch.GetTimestamp();
                if ((i + turn) % 2 == 0)
                {
                    rows = count(await ef());
                    efMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                else
                {
                    var rawRows = await raw();
                    rawMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (rawRows != rows && rows != 0)
                    {
                        throw new InvalidOperationException($"the raw reader returned {rawRows} rows, the repository {rows}");
                    }
                }
            }

            if (i >= WarmUp)
            {
                efSamples.Add(efMs);
                rawSamples.Add(rawMs);
            }
        }

        return (rows, FillScenario.Median(efSamples), FillScenario.Median(rawSamples));
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
