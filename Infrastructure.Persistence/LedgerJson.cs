using System.Text.Json;
using System.Text.Json.Serialization;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Infrastructure.Persistence;

/// <summary>
/// The JSON stored in <c>state_snapshots.snapshot</c> and <c>audit_log.event_data</c>. Amounts are written
/// as exact decimal strings, never as JSON numbers, so no reader can turn them into floating point.
/// </summary>
internal static class LedgerJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string Serialize(StateSnapshot snapshot) => JsonSerializer.Serialize(
        new SnapshotDocument(
            snapshot.Exchange.Value,
            [.. snapshot.Balances.Select(b => new BalanceDocument(b.Asset.Code, b.Wallet.ToString(), b.Available.ToString()))],
            [.. snapshot.Positions.Select(p => new PositionDocument(p.Symbol.Value, p.NetQuantity.ToString(), p.EntryPrice?.ToString()))],
            [.. snapshot.OpenOrders.Select(o => new OpenOrderDocument(
                o.Symbol.Value, o.ClientOrderId, o.ExchangeOrderId, o.Side.ToCode(), o.Type.ToCode(), o.Quantity.ToString(),
                o.LimitPrice?.ToString(), o.FilledQuantity.ToString(), o.Status.ToCode())
            {
                NativeType = o.NativeType,
                ReduceOnly = o.ReduceOnly,
            })]),
        Options);

    public static StateSnapshot DeserializeSnapshot(Guid id, DateTimeOffset reconciledAt, string json)
    {
        var document = JsonSerializer.Deserialize<SnapshotDocument>(json, Options)
            ?? throw new InvalidOperationException($"state snapshot {id} holds no JSON object");
        return new StateSnapshot(
            id,
            new ExchangeName(document.Exchange),
            reconciledAt,
            [.. document.Balances.Select(b => new BalanceView(new Asset(b.Asset), Amount.Parse(b.Wallet), Amount.Parse(b.Available)))],
            [.. document.Positions.Select(p => new PositionView(new Symbol(p.Symbol), Amount.Parse(p.NetQuantity), p.EntryPrice is null ? null : Price.Parse(p.EntryPrice)))],
            [.. document.OpenOrders.Select(o => new OpenOrderView(
                new Symbol(o.Symbol), o.ClientOrderId, o.ExchangeOrderId, LedgerCodes.ParseSide(o.Side), LedgerCodes.ParseOrderType(o.Type),
                Quantity.Parse(o.Quantity), o.LimitPrice is null ? null : Price.Parse(o.LimitPrice), Quantity.Parse(o.FilledQuantity),
                OrderStatusRules.Parse(o.Status))
            {
                // Snapshots written before the native type was kept hold only the ledger type.
                NativeType = o.NativeType ?? o.Type,
                ReduceOnly = o.ReduceOnly,
            })]);
    }

    public static string Serialize(IReadOnlyDictionary<string, string> data) => JsonSerializer.Serialize(data, Options);

    public static AuditEvent DeserializeAudit(Guid id, string type, string json, DateTimeOffset createdAt) => new(
        id,
        AuditEventTypes.Parse(type),
        JsonSerializer.Deserialize<Dictionary<string, string>>(json, Options) ?? [],
        createdAt);

    private sealed record SnapshotDocument(string Exchange, List<BalanceDocument> Balances, List<PositionDocument> Positions, List<OpenOrderDocument> OpenOrders);

    private sealed record BalanceDocument(string Asset, string Wallet, string Available);

    private sealed record PositionDocument(string Symbol, string NetQuantity, string? EntryPrice);

    private sealed record OpenOrderDocument(
        string Symbol, string ClientOrderId, string ExchangeOrderId, string Side, string Type, string Quantity,
        string? LimitPrice, string FilledQuantity, string Status)
    {
        public string? NativeType { get; init; }

        public bool ReduceOnly { get; init; }
    }
}
