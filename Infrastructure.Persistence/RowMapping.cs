using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.Infrastructure.Persistence.Repositories;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence;

/// <summary>Domain objects to rows and back; reading a row re-checks every Domain invariant.</summary>
internal static class RowMapping
{
    public static OrderRow ToRow(Order order) => new()
    {
        Id = order.Id.Value,
        Exchange = order.Exchange.Value,
        Symbol = order.Symbol.Value,
        Side = order.Side.ToCode(),
        Type = order.Type.ToCode(),
        QuantityBase = order.Quantity.Units,
        PriceQuote = order.LimitPrice?.Units,
        Status = order.Status.ToCode(),
        ExchangeOrderId = order.ExchangeOrderId,
        IdempotencyKey = order.IdempotencyKey.Value,
        FilledQuantityBase = order.FilledQuantity.Units,
        CreatedAt = order.CreatedAt,
        UpdatedAt = order.UpdatedAt,
        SendDeadline = order.Deadlines?.SendBy,
        NeverPlacedAfter = order.Deadlines?.NeverPlacedAfter,
    };

    public static Order ToDomain(OrderRow row, IEnumerable<string>? fillIds = null) => Order.Rehydrate(
        new OrderId(row.Id),
        new ExchangeName(row.Exchange),
        new Symbol(row.Symbol),
        LedgerCodes.ParseSide(row.Side),
        LedgerCodes.ParseOrderType(row.Type),
        new Quantity(row.QuantityBase),
        row.PriceQuote is { } price ? new Price(price) : null,
        new IdempotencyKey(row.IdempotencyKey ?? throw new InvalidOperationException($"order {row.Id} has no idempotency key")),
        OrderStatusRules.Parse(row.Status),
        row.ExchangeOrderId,
        new Quantity(row.FilledQuantityBase),
        row.CreatedAt ?? DateTimeOffset.UnixEpoch,
        row.UpdatedAt ?? row.CreatedAt ?? DateTimeOffset.UnixEpoch,
        fillIds?.Select(id => new ExchangeFillId(id)),
        row.SendDeadline is { } sendBy && row.NeverPlacedAfter is { } neverPlacedAfter ? new OrderDeadlines(sendBy, neverPlacedAfter) : null);

    public static FillRow ToRow(Fill fill, long sequence, Amount realizedPnl) => new()
    {
        Id = Guid.CreateVersion7(),
        OrderId = fill.OrderId.Value,
        ExchangeFillId = fill.ExchangeFillId.Value,
        PriceQuote = fill.Price.Units,
        QuantityBase = fill.Quantity.Units,
        FeeQuote = fill.Fee.Amount.Units,
        FeeAsset = fill.Fee.Asset.Code,
        FilledAt = fill.FilledAt,
        PositionSequence = sequence,
        RealizedPnlQuote = realizedPnl.Units,
    };

    public static Fill ToDomain(FillRow row) => new(
        new ExchangeFillId(row.ExchangeFillId),
        new OrderId(row.OrderId ?? throw new InvalidOperationException($"fill {row.ExchangeFillId} has no order")),
        new Price(row.PriceQuote),
        new Quantity(row.QuantityBase),
        new Money(new Asset(row.FeeAsset), new Amount(row.FeeQuote)),
        row.FilledAt);

    /// <summary>A stored fill with its order's side (as the orders table spells it).</summary>
    public static RecordedFill ToRecorded(FillRow row, string side) =>
        new(ToDomain(row), LedgerCodes.ParseSide(side), row.PositionSequence, row.RealizedPnlQuote is { } realized ? new Amount(realized) : null);

    public static void CopyTo(Position position, PositionRow row)
    {
        row.Exchange = position.Exchange.Value;
        row.Symbol = position.Symbol.Value;
        row.NetQuantityBase = position.NetQuantity.Units;
        row.EntryNotionalQuote = position.EntryNotional.Units;
        row.RealizedPnlQuote = position.RealizedPnl.Units;
        row.FeesPaidQuote = position.FeesPaid.Units;
        row.FundingQuote = position.FundingReceived.Units;
        row.FillCount = position.FillCount;
        row.LastFilledAt = position.LastFilledAt;
        row.UpdatedAt = position.UpdatedAt;
    }

    public static Position ToDomain(PositionRow row) => Position.Rehydrate(
        new ExchangeName(row.Exchange),
        new Symbol(row.Symbol),
        new Amount(row.NetQuantityBase),
        new Amount(row.EntryNotionalQuote),
        new Amount(row.RealizedPnlQuote),
        new Amount(row.FeesPaidQuote),
        new Amount(row.FundingQuote),
        row.FillCount,
        row.UpdatedAt ?? DateTimeOffset.UnixEpoch,
        row.LastFilledAt);

    public static FundingSnapshotRow ToRow(FundingSnapshot snapshot) => new()
    {
        Id = snapshot.Id,
        Exchange = snapshot.Exchange.Value,
        Symbol = snapshot.Symbol.Value,
        FundingRateBps = snapshot.Rate.Units,
        MarkPriceQuote = snapshot.MarkPrice.Units,
        IndexPriceQuote = snapshot.IndexPrice.Units,
        SnapshotAt = snapshot.SnapshotAt,
    };

    public static FundingSnapshot ToDomain(FundingPoint point, ExchangeName exchange, Symbol symbol) => new(
        exchange,
        symbol,
        new FundingRate(point.RateUnits),
        new Price(point.MarkUnits),
        new Price(point.IndexUnits),
        point.SnapshotAt)
    {
        Id = point.Id,
    };

    public static FundingPaymentRow ToRow(FundingPayment payment) => new()
    {
        Id = Guid.CreateVersion7(),
        Exchange = payment.Exchange.Value,
        Symbol = payment.Symbol.Value,
        ExchangePaymentId = payment.ExchangePaymentId,
        AmountQuote = payment.Amount.Amount.Units,
        Asset = payment.Amount.Asset.Code,
        PaidAt = payment.PaidAt,
    };

    public static FundingPayment ToDomain(FundingPaymentRow row) => new(
        row.ExchangePaymentId,
        new ExchangeName(row.Exchange),
        new Symbol(row.Symbol),
        new Money(new Asset(row.Asset), new Amount(row.AmountQuote)),
        row.PaidAt);
}
