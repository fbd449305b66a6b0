using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Benchmarks;

/// <summary>
/// The raw ADO.NET baseline: the statements the EF unit of work issues for <c>RecordFill</c>, in the same
/// order, on one long-lived connection per writer with prepared, parameterized commands — and the same
/// Domain computations (Order.ApplyFill, Position.ApplyFill, the same audit events and row mapping).
/// <list type="number">
/// <item>BEGIN (IMMEDIATE on SQLite)</item>
/// <item>SELECT the order row by id</item>
/// <item>SELECT whether the exchange fill id exists</item>
/// <item>SELECT the position row by exchange and symbol</item>
/// <item>one batch, in EF Core's order: INSERT audit event(s) (STATE_TRANSITION on the order's first fill, then FILL),
/// INSERT fill, UPDATE order, INSERT or UPDATE position (the UPDATE matching the version it read)</item>
/// <item>COMMIT</item>
/// </list>
/// </summary>
internal abstract class RawFillWriter(OrderId order, int writer) : IFillWriter
{
    private long _sequence;

    public async Task RecordNextAsync()
    {
        var fill = Workload.NewFill(order, writer, ++_sequence);
        await BeginAsync();
        try
        {
            await RecordAsync(fill);
            await CommitAsync();
        }
        catch
        {
            await RollbackAsync();
            throw;
        }
    }

    public abstract ValueTask DisposeAsync();

    protected abstract Task BeginAsync();

    protected abstract Task CommitAsync();

    protected abstract Task RollbackAsync();

    protected abstract Task<OrderRow?> ReadOrderAsync(Guid id);

    protected abstract Task<PositionRow?> ReadPositionAsync(string exchange, string symbol);

    protected abstract Task<bool> FillExistsAsync(string exchangeFillId);

    /// <summary>
    /// Sends the writes as one batch. <paramref name="readVersion"/> is null when the position row is new
    /// (INSERT with version 1); otherwise the UPDATE must match exactly that version.
    /// </summary>
    protected abstract Task WriteAsync(FillRow fill, OrderRow order, PositionRow position, long? readVersion, IReadOnlyList<AuditLogRow> audits);

    private async Task RecordAsync(Fill fill)
    {
        var orderRow = await ReadOrderAsync(fill.OrderId.Value)
            ?? throw new InvalidOperationException($"order {fill.OrderId} is missing");
        var ledgerOrder = RowMapping.ToDomain(orderRow);
        if (await FillExistsAsync(fill.ExchangeFillId.Value))
        {
            throw new InvalidOperationException($"fill {fill.ExchangeFillId} is already stored");
        }

        var now = DateTimeOffset.UtcNow;
        var statusBefore = ledgerOrder.Status;
        if (ledgerOrder.ApplyFill(fill, now) != FillApplication.Applied)
        {
            throw new InvalidOperationException($"fill {fill.ExchangeFillId} was not applicable to its order");
        }

        var positionRow = await ReadPositionAsync(ledgerOrder.Exchange.Value, ledgerOrder.Symbol.Value);
        var position = positionRow is null ? Position.Flat(ledgerOrder.Exchange, ledgerOrder.Symbol) : RowMapping.ToDomain(positionRow);

        var fillRow = RowMapping.ToRow(fill, position.FillCount + 1);
        var realized = position.ApplyFill(ledgerOrder.Side, fill);

        long? readVersion = positionRow?.Version;
        var savedPosition = positionRow ?? new PositionRow { Id = Guid.CreateVersion7(), Version = 0 };
        RowMapping.CopyTo(position, savedPosition);
        savedPosition.Version = (readVersion ?? 0) + 1;

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

        await WriteAsync(fillRow, RowMapping.ToRow(ledgerOrder), savedPosition, readVersion, audits);
    }

    private static AuditLogRow ToRow(AuditEvent auditEvent) => new()
    {
        Id = auditEvent.Id,
        EventType = auditEvent.Type.ToCode(),
        EventData = LedgerJson.Serialize(auditEvent.Data),
        CreatedAt = auditEvent.CreatedAt,
    };
}
