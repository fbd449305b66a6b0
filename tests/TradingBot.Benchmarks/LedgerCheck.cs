using System.Data.Common;
using System.Globalization;

namespace TradingBot.Benchmarks;

/// <summary>Row counts of the tables a record-fill writes.</summary>
internal sealed record LedgerCounts(long Orders, long Fills, long Positions, long FillEvents, long TransitionEvents, long AuditEvents, long PositionFillCount, long FilledQuantity)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"orders {Orders}, fills {Fills}, positions {Positions}, audit_log {AuditEvents} (FILL {FillEvents}, STATE_TRANSITION {TransitionEvents})");
}

/// <summary>Checks what a scenario left in its database, read with plain SQL (not through EF Core).</summary>
internal static class LedgerCheck
{
    public static async Task<LedgerCounts> CountAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM orders),
                   (SELECT COUNT(*) FROM fills),
                   (SELECT COUNT(*) FROM positions),
                   (SELECT COUNT(*) FROM audit_log WHERE event_type = 'FILL'),
                   (SELECT COUNT(*) FROM audit_log WHERE event_type = 'STATE_TRANSITION'),
                   (SELECT COUNT(*) FROM audit_log),
                   (SELECT COALESCE(SUM(fill_count), 0) FROM positions),
                   (SELECT COALESCE(SUM(filled_quantity_base), 0) FROM orders)
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        long Read(int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
        return new LedgerCounts(Read(0), Read(1), Read(2), Read(3), Read(4), Read(5), Read(6), Read(7));
    }

    /// <summary>
    /// After a run of <paramref name="writers"/> writers that committed <paramref name="committed"/> fills in
    /// total: one fill row, one FILL event and one fill on a position per committed fill, one OPEN →
    /// PARTIALLY_FILLED transition per order, one position per writer. Throws naming the first mismatch.
    /// </summary>
    public static LedgerCounts Expect(LedgerCounts counts, int writers, long committed)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var expected = new LedgerCounts(
            writers,
            committed,
            writers,
            committed,
            writers,
            committed + writers,
            committed,
            committed * Workload.FillQuantity.Units);
        if (counts != expected)
        {
            throw new InvalidOperationException($"the ledger does not hold what {committed} committed fills must leave: expected {expected}, found {counts}");
        }

        return counts;
    }

    /// <summary>Every stored value the workload decides (ids and timestamps aside), in a stable order.</summary>
    public static async Task<IReadOnlyList<string>> ContentAsync(BenchLedger ledger, CancellationToken cancellationToken)
    {
        await using var connection = await ledger.OpenConnectionAsync(cancellationToken);
        var lines = new List<string>();
        await ReadLinesAsync(connection, "SELECT symbol, side, status, quantity_base, filled_quantity_base FROM orders ORDER BY symbol", lines, cancellationToken);
        await ReadLinesAsync(
            connection,
            "SELECT f.exchange_fill_id, o.symbol, f.price_quote, f.quantity_base, f.fee_quote, f.fee_asset, f.position_sequence " +
            "FROM fills AS f JOIN orders AS o ON o.id = f.order_id ORDER BY f.exchange_fill_id",
            lines,
            cancellationToken);
        await ReadLinesAsync(
            connection,
            "SELECT exchange, symbol, net_quantity_base, entry_notional_quote, realized_pnl_quote, fees_paid_quote, funding_quote, fill_count, version " +
            "FROM positions ORDER BY symbol",
            lines,
            cancellationToken);
        await ReadLinesAsync(connection, "SELECT event_type, COUNT(*) FROM audit_log GROUP BY event_type ORDER BY event_type", lines, cancellationToken);
        return lines;
    }

    private static async Task ReadLinesAsync(DbConnection connection, string sql, List<string> lines, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new string[reader.FieldCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? "";
            }

            lines.Add(string.Join('|', values));
        }
    }
}
