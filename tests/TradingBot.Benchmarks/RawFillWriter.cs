using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Benchmarks;

/// <summary>What the raw baseline's one read returns: the order, its position (null when none) and whether the fill id is stored.</summary>
internal sealed record RawTarget(OrderRow Order, PositionRow? Position, bool Recorded);

/// <summary>
/// The writes of one record-fill, in the order the EF unit of work stages them: the fill insert, the order update
/// (expecting the exchange, exchange order id, filled and ordered quantity, side, status and symbol it computed from),
/// the position insert (new position) or update (expecting the balances, fill count and version it computed from),
/// the addition to the fill's day in pnl_days, then the audit events (STATE_TRANSITION on the order's first fill, FILL).
/// </summary>
internal sealed record RawWrites(FillRow Fill, OrderRow Order, OrderRow OrderRead, PositionRow Position, PositionRow? PositionRead, PnlDayRow Day, IReadOnlyList<AuditLogRow> Audits)
{
    public int Statements => 4 + Audits.Count;

    /// <summary>
    /// The order update's values in statement order: SET exchange_order_id, filled_quantity_base, status, updated_at;
    /// WHERE id and the expected exchange, exchange_order_id, filled_quantity_base, quantity_base, side, status, symbol.
    /// </summary>
    public object[] OrderUpdateValues(Func<Guid, object> uuid, Func<DateTimeOffset, object> time) =>
    [
        Order.ExchangeOrderId ?? throw new InvalidOperationException("the benchmark's orders carry an exchange order id"),
        Order.FilledQuantityBase,
        Order.Status,
        time(Order.UpdatedAt!.Value),
        uuid(Order.Id),
        OrderRead.Exchange,
        OrderRead.ExchangeOrderId ?? throw new InvalidOperationException("the benchmark's orders carry an exchange order id"),
        OrderRead.FilledQuantityBase,
        OrderRead.QuantityBase,
        OrderRead.Side,
        OrderRead.Status,
        OrderRead.Symbol,
    ];

    /// <summary>
    /// The position update's values in statement order: SET the balances, fill_count, last_filled_at, updated_at and
    /// version; WHERE id and the expected balances, fill_count, last_filled_at and version of <paramref name="before"/>.
    /// </summary>
    public object[] PositionUpdateValues(PositionRow before, Func<Guid, object> uuid, Func<DateTimeOffset, object> time) =>
    [
        Position.EntryNotionalQuote,
        Position.FeesPaidQuote,
        Position.FillCount,
        Position.FundingQuote,
        time(Position.LastFilledAt!.Value),
        Position.NetQuantityBase,
        Position.RealizedPnlQuote,
        time(Position.UpdatedAt!.Value),
        Position.Version,
        uuid(Position.Id),
        before.EntryNotionalQuote,
        before.FeesPaidQuote,
        before.FillCount,
        before.FundingQuote,
        time(before.LastFilledAt ?? throw new InvalidOperationException("the benchmark's positions have a last fill time")),
        before.NetQuantityBase,
        before.RealizedPnlQuote,
        before.Version,
    ];
}

/// <summary>
/// The raw ADO.NET baseline: the statements the EF unit of work sends for <c>RecordFill</c> (see <c>--show-sql</c>),
/// in the same order, on one long-lived connection per writer with prepared, parameterized commands - and the
/// same Domain computations (Order.ApplyFill, Position.ApplyFill, the same audit events and row mapping).
/// <list type="number">
/// <item>one SELECT: the order, its position (LEFT JOIN on exchange and symbol) and EXISTS for the fill id - only
/// when this writer has not written the order and its position itself (its first fill), as the ledger skips it when
/// it remembers them</item>
/// <item>the writes as one atomic unit (<see cref="WriteAsync"/>: SQLite in BEGIN IMMEDIATE ... COMMIT with the
/// rows counted before COMMIT; Postgres as one statement of data-modifying CTEs, an implicit transaction, its updates checked by
/// ledger_expect_one_row)</item>
/// </list>
/// </summary>
internal abstract class RawFillWriter(OrderId order, int writer) : IFillWriter
{
    /// <summary>The columns of the one read, in the order both readers map them.</summary>
    protected const string TargetColumns =
        "o.id, o.created_at, o.exchange, o.exchange_order_id, o.filled_quantity_base, o.idempotency_key, o.price_quote, o.quantity_base, " +
        "o.side, o.status, o.symbol, o.type, o.updated_at, p.id, p.created_at, p.entry_notional_quote, p.exchange, p.fees_paid_quote, " +
        "p.fill_count, p.funding_quote, p.net_quantity_base, p.realized_pnl_quote, p.symbol, p.updated_at, p.version, p.last_filled_at";

    private long _sequence;

    // The order and position rows this writer's last write stored (with no fill id of this run's stored yet for a
    // new fill): what the next fill is computed from instead of a read, and what its updates expect.
    private RawTarget? _written;

    public async Task RecordNextAsync()
    {
        var fill = Workload.NewFill(order, writer, ++_sequence);
        var target = _written ?? await ReadTargetAsync(fill.OrderId.Value, fill.ExchangeFillId.Value)
            ?? throw new InvalidOperationException($"order {fill.OrderId} is missing");
        _written = null;
        if (target.Recorded)
        {
            throw new InvalidOperationException($"fill {fill.ExchangeFillId} is already stored");
        }

        var ledgerOrder = RowMapping.ToDomain(target.Order);
        var now = DateTimeOffset.UtcNow;
        var statusBefore = ledgerOrder.Status;
        if (ledgerOrder.ApplyFill(fill, now) != FillApplication.Applied)
        {
            throw new InvalidOperationException($"fill {fill.ExchangeFillId} was not applicable to its order");
        }

        var position = target.Position is null ? Position.Flat(ledgerOrder.Exchange, ledgerOrder.Symbol) : RowMapping.ToDomain(target.Position);
        var sequence = position.FillCount + 1;
        var feesBefore = position.FeesPaid;
        var realized = position.ApplyFill(ledgerOrder.Side, fill);
        var fillRow = RowMapping.ToRow(fill, sequence, realized);
        var day = new PnlDayRow
        {
            Id = Guid.CreateVersion7(),
            Exchange = ledgerOrder.Exchange.Value,
            Symbol = ledgerOrder.Symbol.Value,
            UtcDay = new DateTimeOffset(fill.FilledAt.UtcDateTime.Date, TimeSpan.Zero),
            TradingPnlQuote = realized.Units,
            FeesPaidQuote = (position.FeesPaid - feesBefore).Units,
        };

        var savedPosition = new PositionRow { Id = target.Position?.Id ?? Guid.CreateVersion7(), CreatedAt = target.Position?.CreatedAt, Version = (target.Position?.Version ?? 0) + 1 };
        RowMapping.CopyTo(position, savedPosition);

        var audits = new List<AuditLogRow>(2);
        if (ledgerOrder.Status != statusBefore)
        {
            audits.Add(ToRow(AuditEvent.Create(
                AuditEventType.StateTransition,
                now,
                ("order_id", ledgerOrder.Id.ToString()),
                ("idempotency_key", ledgerOrder.IdempotencyKey.Value),
                ("exchange_order_id", ledgerOrder.ExchangeOrderId ?? string.Empty),
                ("from", statusBefore.ToCode()),
                ("to", ledgerOrder.Status.ToCode()),
                ("reason", $"fill {fill.ExchangeFillId}"))));
        }

        audits.Add(ToRow(AuditEvent.Create(
            AuditEventType.Fill,
            now,
            ("exchange_fill_id", fill.ExchangeFillId.Value),
            ("order_id", ledgerOrder.Id.ToString()),
            ("symbol", ledgerOrder.Symbol.Value),
            ("side", ledgerOrder.Side.ToCode()),
            ("price", fill.Price.ToString()),
            ("quantity", fill.Quantity.ToString()),
            ("fee", fill.Fee.ToString()),
            ("realized_pnl", realized.ToString()),
            ("position", position.NetQuantity.ToString()))));

        var savedOrder = RowMapping.ToRow(ledgerOrder);
        await WriteAsync(new RawWrites(fillRow, savedOrder, target.Order, savedPosition, target.Position, day, audits));
        _written = new RawTarget(savedOrder, savedPosition, false);
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// Maps the read's row (<see cref="TargetColumns"/>, then the EXISTS flag), with the provider's way of reading a
    /// uuid and a timestamp (SQLite stores both as text).
    /// </summary>
    protected static RawTarget MapTarget(System.Data.Common.DbDataReader reader, Func<int, Guid> guid, Func<int, DateTimeOffset?> time)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(guid);
        ArgumentNullException.ThrowIfNull(time);
        var order = new OrderRow
        {
            Id = guid(0),
            CreatedAt = time(1),
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
            UpdatedAt = time(12),
        };
        var position = reader.IsDBNull(13) ? null : new PositionRow
        {
            Id = guid(13),
            CreatedAt = time(14),
            EntryNotionalQuote = reader.GetInt64(15),
            Exchange = reader.GetString(16),
            FeesPaidQuote = reader.GetInt64(17),
            FillCount = reader.GetInt64(18),
            FundingQuote = reader.GetInt64(19),
            NetQuantityBase = reader.GetInt64(20),
            RealizedPnlQuote = reader.GetInt64(21),
            Symbol = reader.GetString(22),
            UpdatedAt = time(23),
            Version = reader.GetInt64(24),
            LastFilledAt = time(25),
        };
        return new RawTarget(order, position, reader.GetBoolean(26));
    }

    /// <summary>The one read; null when the order does not exist.</summary>
    protected abstract Task<RawTarget?> ReadTargetAsync(Guid orderId, string exchangeFillId);

    /// <summary>Writes <paramref name="writes"/> atomically and durably, failing when an update found its row changed.</summary>
    protected abstract Task WriteAsync(RawWrites writes);

    private static AuditLogRow ToRow(AuditEvent auditEvent) => new()
    {
        Id = auditEvent.Id,
        EventType = auditEvent.Type.ToCode(),
        EventData = LedgerJson.Serialize(auditEvent.Data),
        CreatedAt = auditEvent.CreatedAt,
    };
}
