using Microsoft.Data.Sqlite;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Sqlite;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Benchmarks;

/// <summary>
/// The raw baseline on Microsoft.Data.Sqlite: one connection per writer opened with the ledger's pragmas (WAL,
/// synchronous=FULL, foreign keys, busy timeout); the read and each write statement a command prepared once;
/// the writes inside BEGIN IMMEDIATE ... COMMIT with the rows they wrote counted before COMMIT. GUIDs and
/// timestamps use the model's text encodings.
/// </summary>
internal sealed class RawSqliteFillWriter : RawFillWriter
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _readTarget;
    private readonly SqliteCommand _insertFill;
    private readonly SqliteCommand _updateOrder;
    private readonly SqliteCommand _insertPosition;
    private readonly SqliteCommand _updatePosition;
    private readonly SqliteCommand _insertAudit;
    private readonly SqliteCommand _addDay;
    private readonly SqliteCommand[] _writes;

    private RawSqliteFillWriter(SqliteConnection connection, OrderId order, int writer)
        : base(order, writer)
    {
        _connection = connection;
        _readTarget = Command(
            $"SELECT {TargetColumns}, EXISTS (SELECT 1 FROM fills AS f WHERE f.exchange_fill_id = @fill) " +
            "FROM orders AS o LEFT JOIN positions AS p ON o.exchange = p.exchange AND o.symbol = p.symbol WHERE o.id = @order LIMIT 1",
            "@order",
            "@fill");
        _insertFill = Command(
            "INSERT INTO \"fills\" (\"id\", \"exchange_fill_id\", \"fee_asset\", \"fee_quote\", \"filled_at\", \"order_id\", \"position_sequence\", \"price_quote\", \"quantity_base\", \"realized_pnl_quote\") " +
            "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9)",
            Names(10));
        _addDay = Command(
            "INSERT INTO \"pnl_days\" (\"id\", \"exchange\", \"fees_paid_quote\", \"funding_quote\", \"symbol\", \"trading_pnl_quote\", \"utc_day\") " +
            "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6) ON CONFLICT (\"exchange\", \"symbol\", \"utc_day\") DO UPDATE SET " +
            "\"fees_paid_quote\" = \"pnl_days\".\"fees_paid_quote\" + excluded.\"fees_paid_quote\", \"funding_quote\" = \"pnl_days\".\"funding_quote\" + excluded.\"funding_quote\", " +
            "\"trading_pnl_quote\" = \"pnl_days\".\"trading_pnl_quote\" + excluded.\"trading_pnl_quote\"",
            Names(7));
        _updateOrder = Command(
            "UPDATE \"orders\" SET \"exchange_order_id\" = @p0, \"filled_quantity_base\" = @p1, \"status\" = @p2, \"updated_at\" = @p3 " +
            "WHERE \"id\" = @p4 AND \"exchange\" = @p5 AND \"exchange_order_id\" = @p6 AND \"filled_quantity_base\" = @p7 AND \"quantity_base\" = @p8 " +
            "AND \"side\" = @p9 AND \"status\" = @p10 AND \"symbol\" = @p11",
            Names(12));
        _insertPosition = Command(
            "INSERT INTO \"positions\" (\"id\", \"entry_notional_quote\", \"exchange\", \"fees_paid_quote\", \"fill_count\", \"funding_quote\", \"last_filled_at\", \"net_quantity_base\", " +
            "\"realized_pnl_quote\", \"symbol\", \"updated_at\", \"version\") VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11)",
            Names(12));
        _updatePosition = Command(
            "UPDATE \"positions\" SET \"entry_notional_quote\" = @p0, \"fees_paid_quote\" = @p1, \"fill_count\" = @p2, \"funding_quote\" = @p3, \"last_filled_at\" = @p4, " +
            "\"net_quantity_base\" = @p5, \"realized_pnl_quote\" = @p6, \"updated_at\" = @p7, \"version\" = @p8 WHERE \"id\" = @p9 AND \"entry_notional_quote\" = @p10 " +
            "AND \"fees_paid_quote\" = @p11 AND \"fill_count\" = @p12 AND \"funding_quote\" = @p13 AND \"last_filled_at\" = @p14 AND \"net_quantity_base\" = @p15 AND \"realized_pnl_quote\" = @p16 AND \"version\" = @p17",
            Names(18));
        _insertAudit = Command(
            "INSERT INTO \"audit_log\" (\"id\", \"created_at\", \"event_data\", \"event_type\") VALUES (@p0, @p1, @p2, @p3)",
            Names(4));
        _writes = [_insertFill, _updateOrder, _insertPosition, _updatePosition, _addDay, _insertAudit];
    }

    public static async Task<RawSqliteFillWriter> OpenAsync(string connectionString, OrderId order, int writer, CancellationToken cancellationToken)
    {
        var connection = await SqliteProvider.OpenRawAsync(connectionString, cancellationToken);
        var rawWriter = new RawSqliteFillWriter(connection, order, writer);
        rawWriter._readTarget.Prepare();
        foreach (var command in rawWriter._writes)
        {
            command.Prepare();
        }

        return rawWriter;
    }

    public override async ValueTask DisposeAsync()
    {
        await _readTarget.DisposeAsync();
        foreach (var command in _writes)
        {
            await command.DisposeAsync();
        }

        await _connection.DisposeAsync();
    }

    protected override async Task<RawTarget?> ReadTargetAsync(Guid orderId, string exchangeFillId)
    {
        _readTarget.Parameters[0].Value = Text(orderId);
        _readTarget.Parameters[1].Value = exchangeFillId;
        await using var reader = await _readTarget.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return MapTarget(reader, i => Guid.Parse(reader.GetString(i)), i => reader.IsDBNull(i) ? null : SqliteLedgerDialect.FromText(reader.GetString(i)));
    }

    protected override async Task WriteAsync(RawWrites writes)
    {
        // BEGIN IMMEDIATE, as the ledger's write transactions on Microsoft.Data.Sqlite.
        await using var transaction = _connection.BeginTransaction(deferred: false);
        foreach (var command in _writes)
        {
            command.Transaction = transaction;
        }

        var (fill, position) = (writes.Fill, writes.Position);
        var written = await ExecuteAsync(_insertFill, Text(fill.Id), fill.ExchangeFillId, fill.FeeAsset, fill.FeeQuote, Text(fill.FilledAt), Text(fill.OrderId!.Value), fill.PositionSequence, fill.PriceQuote, fill.QuantityBase, fill.RealizedPnlQuote!.Value);
        written += await ExecuteAsync(_updateOrder, writes.OrderUpdateValues(Text, Text));
        written += writes.PositionRead is not { } before
            ? await ExecuteAsync(_insertPosition, Text(position.Id), position.EntryNotionalQuote, position.Exchange, position.FeesPaidQuote, position.FillCount, position.FundingQuote, Text(position.LastFilledAt!.Value), position.NetQuantityBase, position.RealizedPnlQuote, position.Symbol, Text(position.UpdatedAt!.Value), position.Version)
            : await ExecuteAsync(_updatePosition, writes.PositionUpdateValues(before, Text, Text));
        var day = writes.Day;
        written += await ExecuteAsync(_addDay, Text(day.Id), day.Exchange, day.FeesPaidQuote, day.FundingQuote, day.Symbol, day.TradingPnlQuote, Text(day.UtcDay));
        foreach (var audit in writes.Audits)
        {
            written += await ExecuteAsync(_insertAudit, Text(audit.Id), Text(audit.CreatedAt!.Value), audit.EventData, audit.EventType);
        }

        if (written != writes.Statements)
        {
            throw new InvalidOperationException($"{writes.Statements - written} update(s) found their row changed");
        }

        await transaction.CommitAsync();
    }

    private static string Text(Guid value) => value.ToString("D");

    private static string Text(DateTimeOffset value) => SqliteLedgerDialect.ToText(value);

    private static string[] Names(int count) => [.. Enumerable.Range(0, count).Select(i => $"@p{i}")];

    private static Task<int> ExecuteAsync(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        return command.ExecuteNonQueryAsync();
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }
}
