using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Benchmarks;

/// <summary>
/// The raw baseline on Npgsql: one open connection per writer, the read (first fill only) a prepared command and the writes
/// one prepared statement sent without a transaction (one round trip, one implicit transaction), as the EF unit of work
/// sends them: each write a data-modifying CTE, the updates returning a row that the final SELECT counts and passes
/// through ledger_expect_one_row. Parameters are positional and typed as the EF model types them (uuid, text, bigint,
/// timestamptz, jsonb).
/// </summary>
internal sealed class RawPostgresFillWriter : RawFillWriter
{
    private const NpgsqlDbType Uuid = NpgsqlDbType.Uuid, Text = NpgsqlDbType.Text, Bigint = NpgsqlDbType.Bigint, Time = NpgsqlDbType.TimestampTz;

    private static readonly Write InsertFill = new(
        "INSERT INTO fills (id, exchange_fill_id, fee_asset, fee_quote, filled_at, order_id, position_sequence, price_quote, quantity_base, realized_pnl_quote) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        null,
        [Uuid, Text, Text, Bigint, Time, Uuid, Bigint, Bigint, Bigint, Bigint]);

    private static readonly Write AddDay = new(
        "INSERT INTO pnl_days (id, exchange, fees_paid_quote, funding_quote, symbol, trading_pnl_quote, utc_day) VALUES ($1, $2, $3, $4, $5, $6, $7) " +
        "ON CONFLICT (exchange, symbol, utc_day) DO UPDATE SET fees_paid_quote = pnl_days.fees_paid_quote + excluded.fees_paid_quote, " +
        "funding_quote = pnl_days.funding_quote + excluded.funding_quote, trading_pnl_quote = pnl_days.trading_pnl_quote + excluded.trading_pnl_quote",
        null,
        [Uuid, Text, Bigint, Bigint, Text, Bigint, Time]);

    private static readonly Write UpdateOrder = new(
        "UPDATE orders SET exchange_order_id = $1, filled_quantity_base = $2, status = $3, updated_at = $4 " +
        "WHERE id = $5 AND exchange = $6 AND exchange_order_id = $7 AND filled_quantity_base = $8 AND quantity_base = $9 AND side = $10 AND status = $11 AND symbol = $12 RETURNING 1",
        "orders",
        [Text, Bigint, Text, Time, Uuid, Text, Text, Bigint, Bigint, Text, Text, Text]);

    private static readonly Write InsertPosition = new(
        "INSERT INTO positions (id, entry_notional_quote, exchange, fees_paid_quote, fill_count, funding_quote, last_filled_at, net_quantity_base, realized_pnl_quote, symbol, updated_at, version) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        null,
        [Uuid, Bigint, Text, Bigint, Bigint, Bigint, Time, Bigint, Bigint, Text, Time, Bigint]);

    private static readonly Write UpdatePosition = new(
        "UPDATE positions SET entry_notional_quote = $1, fees_paid_quote = $2, fill_count = $3, funding_quote = $4, last_filled_at = $5, " +
        "net_quantity_base = $6, realized_pnl_quote = $7, updated_at = $8, version = $9 WHERE id = $10 AND entry_notional_quote = $11 AND fees_paid_quote = $12 " +
        "AND fill_count = $13 AND funding_quote = $14 AND last_filled_at = $15 AND net_quantity_base = $16 AND realized_pnl_quote = $17 AND version = $18 RETURNING 1",
        "positions",
        [Bigint, Bigint, Bigint, Bigint, Time, Bigint, Bigint, Time, Bigint, Uuid, Bigint, Bigint, Bigint, Bigint, Time, Bigint, Bigint, Bigint]);

    private static readonly Write InsertAudit = new(
        "INSERT INTO audit_log (id, created_at, event_data, event_type) VALUES ($1, $2, $3, $4)",
        null,
        [Uuid, Time, NpgsqlDbType.Jsonb, Text]);

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlCommand _readTarget;
    private readonly Dictionary<(bool NewPosition, int Audits), NpgsqlCommand> _statements = [];

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
        foreach (var statement in _statements.Values)
        {
            await statement.DisposeAsync();
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
        var statement = await StatementAsync(writes.PositionRead is null, writes.Audits.Count);
        var parameters = statement.Parameters;
        var (fill, position) = (writes.Fill, writes.Position);
        var next = Set(parameters, 0, fill.Id, fill.ExchangeFillId, fill.FeeAsset, fill.FeeQuote, fill.FilledAt, fill.OrderId!.Value, fill.PositionSequence, fill.PriceQuote, fill.QuantityBase, fill.RealizedPnlQuote!.Value);
        next = Set(parameters, next, writes.OrderUpdateValues(AsUuid, AsTime));
        next = writes.PositionRead is not { } before
            ? Set(parameters, next, position.Id, position.EntryNotionalQuote, position.Exchange, position.FeesPaidQuote, position.FillCount, position.FundingQuote, position.LastFilledAt!.Value, position.NetQuantityBase, position.RealizedPnlQuote, position.Symbol, position.UpdatedAt!.Value, position.Version)
            : Set(parameters, next, writes.PositionUpdateValues(before, AsUuid, AsTime));
        var day = writes.Day;
        next = Set(parameters, next, day.Id, day.Exchange, day.FeesPaidQuote, day.FundingQuote, day.Symbol, day.TradingPnlQuote, day.UtcDay);
        foreach (var audit in writes.Audits)
        {
            next = Set(parameters, next, audit.Id, audit.CreatedAt!.Value, audit.EventData, audit.EventType);
        }

        // No transaction: the statement is one implicit transaction, committed (durably) when it returns.
        await statement.ExecuteNonQueryAsync();
    }

    private static object AsUuid(Guid value) => value;

    private static object AsTime(DateTimeOffset value) => value;

    // Sets the parameters from slot `from` on; returns the slot after the last one set.
    private static int Set(NpgsqlParameterCollection parameters, int from, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            parameters[from + i].Value = values[i];
        }

        return from + values.Length;
    }

    private async Task<NpgsqlCommand> StatementAsync(bool newPosition, int audits)
    {
        if (_statements.TryGetValue((newPosition, audits), out var statement))
        {
            return statement;
        }

        List<Write> writes = [InsertFill, UpdateOrder, newPosition ? InsertPosition : UpdatePosition, AddDay, .. Enumerable.Repeat(InsertAudit, audits)];
        var sql = new StringBuilder();
        var checks = new List<string>();
        statement = new NpgsqlCommand { Connection = _connection };
        for (var i = 0; i < writes.Count; i++)
        {
            // Each write's $n numbered on from the parameters before it.
            var offset = statement.Parameters.Count;
            sql.Append(i == 0 ? "WITH " : ",\n").Append(CultureInfo.InvariantCulture, $"\"w{i}\" AS (")
                .Append(Regex.Replace(writes[i].Sql, @"\$(\d+)", m => "$" + (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + offset).ToString(CultureInfo.InvariantCulture)))
                .Append(')');
            foreach (var type in writes[i].Types)
            {
                statement.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type });
            }

            if (writes[i].CheckedTable is { } table)
            {
                checks.Add($"ledger_expect_one_row((SELECT count(*) FROM \"w{i}\"), '{table}')");
            }
        }

        statement.CommandText = sql.Append("\nSELECT ").AppendJoin(", ", checks).ToString();
        await statement.PrepareAsync();
        _statements[(newPosition, audits)] = statement;
        return statement;
    }

    // One write of the statement: its SQL with parameters numbered from $1, the table whose update is checked (null for an insert), the parameter types.
    private sealed record Write(string Sql, string? CheckedTable, NpgsqlDbType[] Types);
}
