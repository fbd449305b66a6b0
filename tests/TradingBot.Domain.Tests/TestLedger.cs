using System.Globalization;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Domain.Tests;

/// <summary>Small builders shared by the domain tests: names, a fixed clock and fills from exact text.</summary>
internal static class TestLedger
{
    private static long _fillSequence;

    public static ExchangeName Binance { get; } = new("BINANCE");

    public static Symbol BtcUsdt { get; } = new("BTCUSDT");

    public static Asset Usdt { get; } = new("USDT");

    public static Asset Bnb { get; } = new("BNB");

    public static DateTimeOffset T0 { get; } = new(2024, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static Amount A(string text) => Amount.Parse(text);

    public static Quantity Q(string text) => Quantity.Parse(text);

    public static Price P(string text) => Price.Parse(text);

    public static ExchangeFillId NextFillId() =>
        new("f-" + Interlocked.Increment(ref _fillSequence).ToString(CultureInfo.InvariantCulture));

    public static Fill Fill(OrderId orderId, string quantity, string price, string fee = "0", Asset? feeAsset = null, DateTimeOffset? at = null, ExchangeFillId? id = null) =>
        new(id ?? NextFillId(), orderId, P(price), Q(quantity), Money.Parse(fee, feeAsset ?? Usdt), at ?? T0);

    public static Fill Fill(string quantity, string price, string fee = "0", Asset? feeAsset = null, DateTimeOffset? at = null) =>
        Fill(OrderId.New(), quantity, price, fee, feeAsset, at);

    public static IdempotencyKey Key { get; } = new("tb-0123456789abcdef0123456789abcdef");

    public static Order PendingLimitBuy(string quantity = "1", string limitPrice = "64000") =>
        Order.CreatePending(OrderId.New(), Binance, BtcUsdt, Side.Buy, OrderType.Limit, Q(quantity), P(limitPrice), Key, T0);

    public static Order Stored(OrderStatus status, string quantity = "1", string filled = "0", string? exchangeOrderId = null) =>
        Order.Rehydrate(OrderId.New(), Binance, BtcUsdt, Side.Buy, OrderType.Limit, Q(quantity), P("64000"), Key, status, exchangeOrderId, Q(filled), T0, T0);
}
