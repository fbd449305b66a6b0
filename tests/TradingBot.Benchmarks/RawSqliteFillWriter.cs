using Microsoft.Data.Sqlite;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence.Configurations;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Benchmarks;

/// <summary>
/// The raw baseline on Microsoft.Data.Sqlite: one connection per writer opened with the ledger's pragmas
/// (WAL, synchronous=FULL, foreign keys, busy timeout), BEGIN IMMEDIATE as EF Core's transactions, and the
/// EF unit of work's statements as prepared commands run one after another in the transaction (SQLite is
/// in-process: EF Core sends them one by one too). GUIDs and timestamps use the model's text encodings.
/// </summary>
internal sealed class RawSqliteFillWriter : RawFillWriter
{
    private const string OrderColumns =
        "\"o\".\"id\", \"o\".\"created_at\", \"o\".\"exchange\", \"o\".\"exchange_order_id\", \"o\".\"filled_quantity_base\", \"o\".\"idempotency_key\", " +
        "\"o\".\"price_quote\", \"o\".\"quantity_base\", \"o\".\"side\", \"o\".\"status\", \"o\".\"symbol\", \"o\".\"type\", \"o\".\"updated_at\"";

    private const string PositionColumns =
        "\"p\".\"id\", \"p\".\"created_at\", \"p\".\"entry_notional_quote\", \"p\".\"exchange\", \"p\".\"fees_paid_quote\", \"p\".\"fill_count\", " +
        "\"p\".\"funding_quote\", \"p\".\"net_quantity_base\", \"p\".\"realized_pnl_quote\", \"p\".\"symbol\", \"p\".\"updated_at\", \"p\".\"version\"";

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _selectOrder;
    private readonly SqliteCommand _selectPosition;
    private readonly SqliteCommand _fillExists;
    private readonly SqliteCommand _insertAudit;
    private readonly SqliteCommand _insertFill;
    private readonly SqliteCommand _updateOrder;
    private readonly SqliteCommand _insertPosition;
    private readonly SqliteCommand _updatePosition;
    private readonly SqliteCommand[] _all;
    private SqliteTransaction? _transaction;

    private RawSqliteFillWriter(SqliteConnection connection, OrderId order, int writer)
        : base(order, writer)
    {
        _connection = connection;
        _selectOrder = Command(
            $"SELECT {OrderColumns} FROM \"orders\" AS \"o\" WHERE \"o\".\"id\" = @id LIMIT 1",
            ("@id", SqliteType.Text));
        _selectPosition = Command(
            $"SELECT {PositionColumns} FROM \"positions\" AS \"p\" WHERE \"p\".\"exchange\" = @exchange AND \"p\".\"symbol\" = @symbol LIMIT 1",
            ("@exchange", SqliteType.Text),
            ("@symbol", SqliteType.Text));
        _fillExists = Command(
            "SELECT EXISTS (SELECT 1 FROM \"fills\" AS \"f\" WHERE \"f\".\"exchange_fill_id\" = @exchange_fill_id)",
            ("@exchange_fill_id", SqliteType.Text));
        _insertAudit = Command(
            "INSERT INTO \"audit_log\" (\"id\", \"created_at\", \"event_data\", \"event_type\") VALUES (@p0, @p1, @p2, @p3)",
            ("@p0", SqliteType.Text),
            ("@p1", SqliteType.Text),
            ("@p2", SqliteType.Text),
            ("@p3", SqliteType.Text));
        _insertFill = Command(
            "INSERT INTO \"fills\" (\"id\", \"exchange_fill_id\", \"fee_asset\", \"fee_quote\", \"filled_at\", \"order_id\", \"position_sequence\", \"price_quote\", \"quantity_base\") " +
            "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8) RETURNING \"created_at\"",
            ("@p0", SqliteType.Text),
            ("@p1", SqliteType.Text),
            ("@p2", SqliteType.Text),
            ("@p3", SqliteType.Integer),
            ("@p4", SqliteType.Text),
            ("@p5", SqliteType.Text),
            ("@p6", SqliteType.Integer),
            ("@p7", SqliteType.Integer),
            ("@p8", SqliteType.Integer));
        _updateOrder = Command(
            "UPDATE \"orders\" SET \"exchange_order_id\" = @p0, \"filled_quantity_base\" = @p1, \"status\" = @p2, \"updated_at\" = @p3 WHERE \"id\" = @p4 RETURNING 1",
            ("@p0", SqliteType.Text),
            ("@p1", SqliteType.Integer),
            ("@p2", SqliteType.Text),
            ("@p3", SqliteType.Text),
            ("@p4", SqliteType.Text));
        _insertPosition = Command(
            "INSERT INTO \"positions\" (\"id\", \"entry_notional_quote\", \"exchange\", \"fees_paid_quote\", \"fill_count\", \"funding_quote\", \"net_quantity_base\", \"realized_pnl_quote\", \"symbol\", \"updated_at\", \"version\") " +
            "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10) RETURNING \"created_at\"",
            ("@p0", SqliteType.Text),
            ("@p1", SqliteType.Integer),
            ("@p2", SqliteType.Text),
            ("@p3", SqliteType.Integer),
            ("@p4", SqliteType.Integer),
            ("@p5", SqliteType.Integer),
            ("@p6", SqliteType.Integer),
            ("@p7", SqliteType.Integer),
            ("@p8", SqliteType.Text),
            ("@p9", SqliteType.Text),
            ("@p10", SqliteType.Integer));
        _updatePosition = Command(
            "UPDATE \"positions\" SET \"entry_notional_quote\" = @p0, \"fees_paid_quote\" = @p1, \"fill_count\" = @p2, \"funding_quote\" = @p3, " +
            "\"net_quantity_base\" = @p4, \"realized_pnl_quote\" = @p5, \"updated_at\" = @p6, \"version\" = @p7 WHERE \"id\" = @p8 AND \"version\" = @p9 RETURNING 1",
            ("@p0", SqliteType.Integer),
            ("@p1", SqliteType.Integer),
            ("@p2", SqliteType.Integer),
            ("@p3", SqliteType.Integer),
            ("@p4", SqliteType.Integer),
            ("@p5", SqliteType.Integer),
            ("@p6", SqliteType.Text),
            ("@p7", SqliteType.Integer),
            ("@p8", SqliteType.Text),
            ("@p9", SqliteType.Integer));
        _all = [_selectOrder, _selectPosition, _fillExists, _insertAudit, _insertFill, _updateOrder, _insertPosition, _updatePosition];
    }

    public static async Task<RawSqliteFillWriter> OpenAsync(string connectionString, OrderId order, int writer, CancellationToken cancellationToken)
    {
        var connection = await SqliteProvider.OpenRawAsync(connectionString, cancellationToken);
        var rawWriter = new RawSqliteFillWriter(connection, order, writer);
        foreach (var command in rawWriter._all)
        {
            command.Prepare();
        }

        return rawWriter;
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var command in _all)
        {
            await command.DisposeAsync();
        }

        await _connection.DisposeAsync();
    }

    protected override Task BeginAsync()
    {
        // BEGIN IMMEDIATE, as EF Core's BeginTransaction on Microsoft.Data.Sqlite.
        _transaction = _connection.BeginTransaction(deferred: false);
        foreach (var command in _all)
        {
            command.Transaction = _transaction;
        }

        return Task.CompletedTask;
    }

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
        _selectOrder.Parameters[0].Value = Text(id);
        await using var reader = await _selectOrder.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return new OrderRow
        {
            Id = Guid.Parse(reader.GetString(0)),
            CreatedAt = reader.IsDBNull(1) ? null : LedgerDialect.FromSqliteText(reader.GetString(1)),
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
            UpdatedAt = reader.IsDBNull(12) ? null : LedgerDialect.FromSqliteText(reader.GetString(12)),
        };
    }

    protected override async Task<PositionRow?> ReadPositionAsync(string exchange, string symbol)
    {
        _selectPosition.Parameters[0].Value = exchange;
        _selectPosition.Parameters[1].Value = symbol;
        await using var reader = await _selectPosition.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return new PositionRow
        {
            Id = Guid.Parse(reader.GetString(0)),
            CreatedAt = reader.IsDBNull(1) ? null : LedgerDialect.FromSqliteText(reader.GetString(1)),
            EntryNotionalQuote = reader.GetInt64(2),
            Exchange = reader.GetString(3),
            FeesPaidQuote = reader.GetInt64(4),
            FillCount = reader.GetInt64(5),
            FundingQuote = reader.GetInt64(6),
            NetQuantityBase = reader.GetInt64(7),
            RealizedPnlQuote = reader.GetInt64(8),
            Symbol = reader.GetString(9),
            UpdatedAt = reader.IsDBNull(10) ? null : LedgerDialect.FromSqliteText(reader.GetString(10)),
            Version = reader.GetInt64(11),
        };
    }

    protected override async Task<bool> FillExistsAsync(string exchangeFillId)
    {
        _fillExists.Parameters[0].Value = exchangeFillId;
        return Convert.ToInt64(await _fillExists.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    protected override async Task WriteAsync(FillRow fill, OrderRow order, PositionRow position, long? readVersion, IReadOnlyList<AuditLogRow> audits)
    {
        foreach (var audit in audits)
        {
            Set(_insertAudit, Text(audit.Id), Text(audit.CreatedAt!.Value), audit.EventData, audit.EventType);
            await _insertAudit.ExecuteNonQueryAsync();
        }

        Set(_insertFill, Text(fill.Id), fill.ExchangeFillId, fill.FeeAsset, fill.FeeQuote, Text(fill.FilledAt), Text(fill.OrderId!.Value), fill.PositionSequence, fill.PriceQuote, fill.QuantityBase);
        await ExpectOneRowAsync(_insertFill, "fill insert");

        Set(_updateOrder, (object?)order.ExchangeOrderId ?? DBNull.Value, order.FilledQuantityBase, order.Status, Text(order.UpdatedAt!.Value), Text(order.Id));
        await ExpectOneRowAsync(_updateOrder, "order update");

        if (readVersion is not { } version)
        {
            Set(
                _insertPosition,
                Text(position.Id),
                position.EntryNotionalQuote,
                position.Exchange,
                position.FeesPaidQuote,
                position.FillCount,
                position.FundingQuote,
                position.NetQuantityBase,
                position.RealizedPnlQuote,
                position.Symbol,
                Text(position.UpdatedAt!.Value),
                position.Version);
            await ExpectOneRowAsync(_insertPosition, "position insert");
        }
        else
        {
            Set(
                _updatePosition,
                position.EntryNotionalQuote,
                position.FeesPaidQuote,
                position.FillCount,
                position.FundingQuote,
                position.NetQuantityBase,
                position.RealizedPnlQuote,
                Text(position.UpdatedAt!.Value),
                position.Version,
                Text(position.Id),
                version);
            await ExpectOneRowAsync(_updatePosition, "position update (version check)");
        }
    }

    private static string Text(Guid value) => value.ToString("D");

    private static string Text(DateTimeOffset value) => LedgerDialect.ToSqliteText(value);

    private static void Set(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }
    }

    private static async Task ExpectOneRowAsync(SqliteCommand command, string what)
    {
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException($"{what} affected no row");
        }
    }

    private SqliteCommand Command(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        return command;
    }
}
