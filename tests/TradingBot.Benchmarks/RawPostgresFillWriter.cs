using Npgsql;
using NpgsqlTypes;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Benchmarks;

/// <summary>
/// The raw baseline on Npgsql: one open connection per writer, the read (first fill only) a prepared command and the writes one
/// prepared <see cref="NpgsqlBatch"/> sent without a transaction (one round trip, one implicit transaction), its
/// updates passing their row count through ledger_expect_one_row as the EF unit of work's do. Parameters are
/// typed as the EF model types them (uuid, text, bigint, timestamptz, jsonb).
/// </summary>
internal sealed class RawPostgresFillWriter : RawFillWriter
{
    private const string InsertFill =
        "INSERT INTO fills (id, exchange_fill_id, fee_asset, fee_quote, filled_at, order_id, position_sequence, price_quote, quantity_base) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

    private const string UpdateOrder =
        "WITH \"updated\" AS (UPDATE orders SET exchange_order_id = $1, filled_quantity_base = $2, status = $3, updated_at = $4 " +
        "WHERE id = $5 AND exchange = $6 AND exchange_order_id = $7 AND filled_quantity_base = $8 AND quantity_base = $9 AND side = $10 AND status = $11 AND symbol = $12 RETURNING 1) " +
        "SELECT ledger_expect_one_row(count(*), 'orders') FROM \"updated\"";

    private const string InsertPosition =
        "INSERT INTO positions (id, entry_notional_quote, exchange, fees_paid_quote, fill_count, funding_quote, net_quantity_base, realized_pnl_quote, symbol, updated_at, version) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

    private const string UpdatePosition =
        "WITH \"updated\" AS (UPDATE positions SET entry_notional_quote = $1, fees_paid_quote = $2, fill_count = $3, funding_quote = $4, " +
        "net_quantity_base = $5, realized_pnl_quote = $6, updated_at = $7, version = $8 WHERE id = $9 AND entry_notional_quote = $10 AND fees_paid_quote = $11 " +
        "AND fill_count = $12 AND funding_quote = $13 AND net_quantity_base = $14 AND realized_pnl_quote = $15 AND version = $16 RETURNING 1) " +
        "SELECT ledger_expect_one_row(count(*), 'positions') FROM \"updated\"";

    private const string InsertAudit =
        "INSERT INTO audit_log (id, created_at, event_data, event_type) VALUES ($1, $2, $3, $4)";

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlCommand _readTarget;
    private readonly Dictionary<(bool NewPosition, int Audits), NpgsqlBatch> _batches = [];

    private RawPostgresFillWriter(NpgsqlConnection connection, OrderId order, int writer)
        : base(order, writer)
    {
        _connection = connection;
        _readTarget = new NpgsqlCommand(
            $"SELECT {TargetColumns}, EXISTS (SELECT 1 FROM fills AS f WHERE f.exchange_fill_id = $2) " +
            "FROM orders AS o LEFT JOIN positions AS p ON o.exchange = p.exchange AND o.symbol = p.symbol WHERE o.id = $1 LIMIT 1",
            connection);
        _readTarget.Parameters.Add(new NpgsqlParameter<Guid> { NpgsqlDbType = NpgsqlDbType.Uuid });
        _readTarget.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text });
    }

    public static async Task<RawPostgresFillWriter> OpenAsync(string connectionString, OrderId order, int writer, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var rawWriter = new RawPostgresFillWriter(connection, order, writer);
        await rawWriter._readTarget.PrepareAsync(cancellationToken);
        return rawWriter;
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var batch in _batches.Values)
        {
            await batch.DisposeAsync();
        }

        await _readTarget.DisposeAsync();
        await _connection.DisposeAsync();
    }

    protected override async Task<RawTarget?> ReadTargetAsync(Guid orderId, string exchangeFillId)
    {
        ((NpgsqlParameter<Guid>)_readTarget.Parameters[0]).TypedValue = orderId;
        ((NpgsqlParameter<string>)_readTarget.Parameters[1]).TypedValue = exchangeFillId;
        await using var reader = await _readTarget.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return MapTarget(reader, reader.GetGuid, i => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i));
    }

    protected override async Task WriteAsync(RawWrites writes)
    {
        var batch = await BatchAsync(writes.PositionRead is null, writes.Audits.Count);
        var commands = batch.BatchCommands;
        var (fill, position) = (writes.Fill, writes.Position);
        Set(commands[0].Parameters, fill.Id, fill.ExchangeFillId, fill.FeeAsset, fill.FeeQuote, fill.FilledAt, fill.OrderId!.Value, fill.PositionSequence, fill.PriceQuote, fill.QuantityBase);
        Set(commands[1].Parameters, writes.OrderUpdateValues(Uuid, Time));
        if (writes.PositionRead is not { } before)
        {
            Set(commands[2].Parameters, position.Id, position.EntryNotionalQuote, position.Exchange, position.FeesPaidQuote, position.FillCount, position.FundingQuote, position.NetQuantityBase, position.RealizedPnlQuote, position.Symbol, position.UpdatedAt!.Value, position.Version);
        }
        else
        {
            Set(commands[2].Parameters, writes.PositionUpdateValues(before, Uuid, Time));
        }

        for (var i = 0; i < writes.Audits.Count; i++)
        {
            var audit = writes.Audits[i];
            Set(commands[3 + i].Parameters, audit.Id, audit.CreatedAt!.Value, audit.EventData, audit.EventType);
        }

        // No transaction: the batch is one implicit transaction, committed (durably) when it returns.
        await batch.ExecuteNonQueryAsync();
    }

    private static object Uuid(Guid value) => value;

    private static object Time(DateTimeOffset value) => value;

    private static void Set(NpgsqlParameterCollection parameters, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            parameters[i].Value = values[i];
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlDbType[] types)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var type in types)
        {
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type });
        }

        return command;
    }

    private async Task<NpgsqlBatch> BatchAsync(bool newPosition, int audits)
    {
        if (_batches.TryGetValue((newPosition, audits), out var batch))
        {
            return batch;
        }

        const NpgsqlDbType Uuid = NpgsqlDbType.Uuid, Text = NpgsqlDbType.Text, Bigint = NpgsqlDbType.Bigint, Time = NpgsqlDbType.TimestampTz;
        batch = new NpgsqlBatch(_connection);
        batch.BatchCommands.Add(Command(InsertFill, Uuid, Text, Text, Bigint, Time, Uuid, Bigint, Bigint, Bigint));
        batch.BatchCommands.Add(Command(UpdateOrder, Text, Bigint, Text, Time, Uuid, Text, Text, Bigint, Bigint, Text, Text, Text));
        batch.BatchCommands.Add(newPosition
            ? Command(InsertPosition, Uuid, Bigint, Text, Bigint, Bigint, Bigint, Bigint, Bigint, Text, Time, Bigint)
            : Command(UpdatePosition, Bigint, Bigint, Bigint, Bigint, Bigint, Bigint, Time, Bigint, Uuid, Bigint, Bigint, Bigint, Bigint, Bigint, Bigint, Bigint));
        for (var i = 0; i < audits; i++)
        {
            batch.BatchCommands.Add(Command(InsertAudit, Uuid, Time, NpgsqlDbType.Jsonb, Text));
        }

        await batch.PrepareAsync();
        _batches[(newPosition, audits)] = batch;
        return batch;
    }
}
