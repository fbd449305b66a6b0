using Npgsql;
using NpgsqlTypes;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Benchmarks;

/// <summary>
/// The raw baseline on Npgsql: one open connection per writer, the four reads as prepared commands and the
/// writes as one prepared <see cref="NpgsqlBatch"/> (one round trip), typed as the EF model types them
/// (uuid, text, bigint, timestamptz, jsonb). BEGIN travels with the first read, as it does under EF Core.
/// </summary>
internal sealed class RawPostgresFillWriter : RawFillWriter
{
    private const string InsertAudit =
        "INSERT INTO audit_log (id, created_at, event_data, event_type) VALUES ($1, $2, $3, $4)";

    private const string InsertFill =
        "INSERT INTO fills (id, exchange_fill_id, fee_asset, fee_quote, filled_at, order_id, position_sequence, price_quote, quantity_base) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING created_at";

    private const string UpdateOrder =
        "UPDATE orders SET exchange_order_id = $1, filled_quantity_base = $2, status = $3, updated_at = $4 WHERE id = $5";

    private const string InsertPosition =
        "INSERT INTO positions (id, entry_notional_quote, exchange, fees_paid_quote, fill_count, funding_quote, net_quantity_base, realized_pnl_quote, symbol, updated_at, version) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING created_at";

    private const string UpdatePosition =
        "UPDATE positions SET entry_notional_quote = $1, fees_paid_quote = $2, fill_count = $3, funding_quote = $4, net_quantity_base = $5, " +
        "realized_pnl_quote = $6, updated_at = $7, version = $8 WHERE id = $9 AND version = $10";

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlCommand _selectOrder;
    private readonly NpgsqlCommand _selectPosition;
    private readonly NpgsqlCommand _fillExists;
    private readonly Dictionary<(bool NewPosition, int Audits), NpgsqlBatch> _batches = [];
    private NpgsqlTransaction? _transaction;

    private RawPostgresFillWriter(NpgsqlConnection connection, OrderId order, int writer)
        : base(order, writer)
    {
        _connection = connection;
        _selectOrder = new NpgsqlCommand(
            "SELECT o.id, o.created_at, o.exchange, o.exchange_order_id, o.filled_quantity_base, o.idempotency_key, o.price_quote, o.quantity_base, " +
            "o.side, o.status, o.symbol, o.type, o.updated_at FROM orders AS o WHERE o.id = $1 LIMIT 1",
            connection);
        _selectOrder.Parameters.Add(new NpgsqlParameter<Guid> { NpgsqlDbType = NpgsqlDbType.Uuid });
        _selectPosition = new NpgsqlCommand(
            "SELECT p.id, p.created_at, p.entry_notional_quote, p.exchange, p.fees_paid_quote, p.fill_count, p.funding_quote, p.net_quantity_base, " +
            "p.realized_pnl_quote, p.symbol, p.updated_at, p.version FROM positions AS p WHERE p.exchange = $1 AND p.symbol = $2 LIMIT 1",
            connection);
        _selectPosition.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text });
        _selectPosition.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text });
        _fillExists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM fills AS f WHERE f.exchange_fill_id = $1)", connection);
        _fillExists.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text });
    }

    public static async Task<RawPostgresFillWriter> OpenAsync(string connectionString, OrderId order, int writer, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var rawWriter = new RawPostgresFillWriter(connection, order, writer);
        foreach (var command in new[] { rawWriter._selectOrder, rawWriter._selectPosition, rawWriter._fillExists })
        {
            await command.PrepareAsync(cancellationToken);
        }

        return rawWriter;
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var batch in _batches.Values)
        {
            await batch.DisposeAsync();
        }

        foreach (var command in new[] { _selectOrder, _selectPosition, _fillExists })
        {
            await command.DisposeAsync();
        }

        await _connection.DisposeAsync();
    }

    protected override async Task BeginAsync() => _transaction = await _connection.BeginTransactionAsync();

    protected override async Task CommitAsync()
    {
        await _transaction!.CommitAsync();
        await _transaction.DisposeAsync();
        _transaction = null;
    }

    protected override async Task RollbackAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync();
            _transaction = null;
        }
    }

    protected override async Task<OrderRow?> ReadOrderAsync(Guid id)
    {
        ((NpgsqlParameter<Guid>)_selectOrder.Parameters[0]).TypedValue = id;
        await using var reader = await _selectOrder.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return new OrderRow
        {
            Id = reader.GetGuid(0),
            CreatedAt = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
            Exchange = reader.GetString(2),
            ExchangeOrderId = reader.IsDBNull(3) ? null : reader.GetString(3),
            FilledQuantityBase = reader.GetInt64(4),
            IdempotencyKey = reader.IsDBNull(5) ? null : reader.GetString(5),
            PriceQuote = reader.IsDBNull(6) ? null : reader.GetInt64(6),
            QuantityBase = reader.GetInt64(7),
            Side = reader.GetString(8),
            Status = reader.GetString(9),
            Symbol = reader.GetString(10),
            Type = reader.GetString(11),
            UpdatedAt = reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
        };
    }

    protected override async Task<PositionRow?> ReadPositionAsync(string exchange, string symbol)
    {
        ((NpgsqlParameter<string>)_selectPosition.Parameters[0]).TypedValue = exchange;
        ((NpgsqlParameter<string>)_selectPosition.Parameters[1]).TypedValue = symbol;
        await using var reader = await _selectPosition.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return new PositionRow
        {
            Id = reader.GetGuid(0),
            CreatedAt = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
            EntryNotionalQuote = reader.GetInt64(2),
            Exchange = reader.GetString(3),
            FeesPaidQuote = reader.GetInt64(4),
            FillCount = reader.GetInt64(5),
            FundingQuote = reader.GetInt64(6),
            NetQuantityBase = reader.GetInt64(7),
            RealizedPnlQuote = reader.GetInt64(8),
            Symbol = reader.GetString(9),
            UpdatedAt = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
            Version = reader.GetInt64(11),
        };
    }

    protected override async Task<bool> FillExistsAsync(string exchangeFillId)
    {
        ((NpgsqlParameter<string>)_fillExists.Parameters[0]).TypedValue = exchangeFillId;
        return (bool)(await _fillExists.ExecuteScalarAsync())!;
    }

    protected override async Task WriteAsync(FillRow fill, OrderRow order, PositionRow position, long? readVersion, IReadOnlyList<AuditLogRow> audits)
    {
        var batch = await BatchAsync(readVersion is null, audits.Count);
        var commands = batch.BatchCommands;
        var next = 0;
        foreach (var audit in audits)
        {
            var parameters = commands[next++].Parameters;
            Set(parameters, 0, audit.Id);
            Set(parameters, 1, audit.CreatedAt!.Value);
            Set(parameters, 2, audit.EventData);
            Set(parameters, 3, audit.EventType);
        }

        var fillIndex = next;
        var fillParameters = commands[next++].Parameters;
        Set(fillParameters, 0, fill.Id);
        Set(fillParameters, 1, fill.ExchangeFillId);
        Set(fillParameters, 2, fill.FeeAsset);
        Set(fillParameters, 3, fill.FeeQuote);
        Set(fillParameters, 4, fill.FilledAt);
        Set(fillParameters, 5, fill.OrderId!.Value);
        Set(fillParameters, 6, fill.PositionSequence);
        Set(fillParameters, 7, fill.PriceQuote);
        Set(fillParameters, 8, fill.QuantityBase);

        var orderIndex = next;
        var orderParameters = commands[next++].Parameters;
        orderParameters[0].Value = (object?)order.ExchangeOrderId ?? DBNull.Value;
        Set(orderParameters, 1, order.FilledQuantityBase);
        Set(orderParameters, 2, order.Status);
        Set(orderParameters, 3, order.UpdatedAt!.Value);
        Set(orderParameters, 4, order.Id);

        var positionIndex = next;
        var positionParameters = commands[next].Parameters;
        if (readVersion is not { } version)
        {
            Set(positionParameters, 0, position.Id);
            Set(positionParameters, 1, position.EntryNotionalQuote);
            Set(positionParameters, 2, position.Exchange);
            Set(positionParameters, 3, position.FeesPaidQuote);
            Set(positionParameters, 4, position.FillCount);
            Set(positionParameters, 5, position.FundingQuote);
            Set(positionParameters, 6, position.NetQuantityBase);
            Set(positionParameters, 7, position.RealizedPnlQuote);
            Set(positionParameters, 8, position.Symbol);
            Set(positionParameters, 9, position.UpdatedAt!.Value);
            Set(positionParameters, 10, position.Version);
        }
        else
        {
            Set(positionParameters, 0, position.EntryNotionalQuote);
            Set(positionParameters, 1, position.FeesPaidQuote);
            Set(positionParameters, 2, position.FillCount);
            Set(positionParameters, 3, position.FundingQuote);
            Set(positionParameters, 4, position.NetQuantityBase);
            Set(positionParameters, 5, position.RealizedPnlQuote);
            Set(positionParameters, 6, position.UpdatedAt!.Value);
            Set(positionParameters, 7, position.Version);
            Set(positionParameters, 8, position.Id);
            Set(positionParameters, 9, version);
        }

        batch.Transaction = _transaction;
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            // Consume the RETURNING rows (fill and new position created_at), as EF Core reads them back.
            do
            {
                while (await reader.ReadAsync())
                {
                }
            }
            while (await reader.NextResultAsync());
        }

        foreach (var (index, what) in new[] { (fillIndex, "fill insert"), (orderIndex, "order update"), (positionIndex, "position write (version check)") })
        {
            if (commands[index].RecordsAffected != 1)
            {
                throw new InvalidOperationException($"{what} affected {commands[index].RecordsAffected} rows");
            }
        }
    }

    private static void Set<T>(NpgsqlParameterCollection parameters, int index, T value) =>
        ((NpgsqlParameter<T>)parameters[index]).TypedValue = value;

    private static NpgsqlBatchCommand Command(string sql, params (NpgsqlParameter Parameter, NpgsqlDbType Type)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (parameter, type) in parameters)
        {
            parameter.NpgsqlDbType = type;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private async Task<NpgsqlBatch> BatchAsync(bool newPosition, int audits)
    {
        if (_batches.TryGetValue((newPosition, audits), out var batch))
        {
            return batch;
        }

        batch = new NpgsqlBatch(_connection, _transaction);
        for (var i = 0; i < audits; i++)
        {
            batch.BatchCommands.Add(Command(
                InsertAudit,
                (new NpgsqlParameter<Guid>(), NpgsqlDbType.Uuid),
                (new NpgsqlParameter<DateTimeOffset>(), NpgsqlDbType.TimestampTz),
                (new NpgsqlParameter<string>(), NpgsqlDbType.Jsonb),
                (new NpgsqlParameter<string>(), NpgsqlDbType.Text)));
        }

        batch.BatchCommands.Add(Command(
            InsertFill,
            (new NpgsqlParameter<Guid>(), NpgsqlDbType.Uuid),
            (new NpgsqlParameter<string>(), NpgsqlDbType.Text),
            (new NpgsqlParameter<string>(), NpgsqlDbType.Text),
            (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
            (new NpgsqlParameter<DateTimeOffset>(), NpgsqlDbType.TimestampTz),
            (new NpgsqlParameter<Guid>(), NpgsqlDbType.Uuid),
            (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
            (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
            (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint)));
        batch.BatchCommands.Add(Command(
            UpdateOrder,
            (new NpgsqlParameter { Value = DBNull.Value }, NpgsqlDbType.Text),
            (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
            (new NpgsqlParameter<string>(), NpgsqlDbType.Text),
            (new NpgsqlParameter<DateTimeOffset>(), NpgsqlDbType.TimestampTz),
            (new NpgsqlParameter<Guid>(), NpgsqlDbType.Uuid)));
        batch.BatchCommands.Add(newPosition
            ? Command(
                InsertPosition,
                (new NpgsqlParameter<Guid>(), NpgsqlDbType.Uuid),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<string>(), NpgsqlDbType.Text),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<string>(), NpgsqlDbType.Text),
                (new NpgsqlParameter<DateTimeOffset>(), NpgsqlDbType.TimestampTz),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint))
            : Command(
                UpdatePosition,
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<DateTimeOffset>(), NpgsqlDbType.TimestampTz),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint),
                (new NpgsqlParameter<Guid>(), NpgsqlDbType.Uuid),
                (new NpgsqlParameter<long>(), NpgsqlDbType.Bigint)));
        await batch.PrepareAsync();
        _batches[(newPosition, audits)] = batch;
        return batch;
    }
}
