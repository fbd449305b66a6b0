using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>What every ledger suite writes its tests with: names, a start time, orders and fills, and reads and use cases over <see cref="Ledger"/>.</summary>
public abstract class LedgerSuite
{
    protected static readonly ExchangeName Binance = new("BINANCE");
    protected static readonly Symbol BtcUsdt = new("BTCUSDT");
    protected static readonly Symbol EthUsdt = new("ETHUSDT");
    protected static readonly Asset Usdt = new("USDT");
    protected static readonly DateTimeOffset T0 = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);

    protected abstract IUnitOfWork Ledger { get; }

    protected static Order PendingOrder(string leg = "open", Side side = Side.Sell, string quantity = "0.5", Symbol? symbol = null, DateTimeOffset? at = null, OrderType type = OrderType.Market, string? price = null)
    {
        var s = symbol ?? BtcUsdt;
        var time = at ?? T0;
        var key = IdempotencyKey.For(new TradingIntent("funding-harvest", Binance, s, time, leg));
        return Order.CreatePending(OrderId.New(), Binance, s, side, type, Quantity.Parse(quantity), price is null ? null : Price.Parse(price), key, time);
    }

    protected async Task<Order> CreateAsync(Order order) =>
        (await Ledger.ExecuteAsync((s, ct) => s.Orders.CreateAsync(order, ct), CancellationToken.None)).Order;

    protected async Task<Order> CreateOpenAsync(Order order, string exchangeOrderId)
    {
        await CreateAsync(order);
        return await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                var current = (await s.Orders.FindByIdAsync(order.Id, ct))!;
                current.AssignExchangeOrderId(exchangeOrderId, T0);
                current.TransitionTo(OrderStatus.Open, T0);
                await s.Orders.UpdateAsync(current, ct);
                return current;
            },
            CancellationToken.None);
    }

    protected static Fill FillOf(Order order, string id, string price, string quantity, string fee = "0.01", string feeAsset = "USDT", DateTimeOffset? at = null) =>
        new(new ExchangeFillId(id), order.Id, Price.Parse(price), Quantity.Parse(quantity), new Money(new Asset(feeAsset), Amount.Parse(fee)), at ?? T0.AddSeconds(1));

    protected Task<T> Read<T>(Func<ILedgerSession, CancellationToken, Task<T>> read) => Ledger.ExecuteAsync(read, CancellationToken.None);

    protected RecordFill NewRecordFill() => new(Ledger, new TestClock(T0.AddMinutes(1)));

    // Two fills: the first inserts the position; after the second, the ledger remembers the order and its position and
    // records the next fill of the order without reading first.
    protected async Task<Order> OrderWithTwoFillsAsync(string exchangeOrderId)
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), exchangeOrderId);
        Assert.That((await NewRecordFill().ExecuteAsync(FillOf(order, "m-1", "100", "0.25"), CancellationToken.None)).Status, Is.EqualTo(RecordFillStatus.Recorded));
        Assert.That((await NewRecordFill().ExecuteAsync(FillOf(order, "m-2", "100", "0.25"), CancellationToken.None)).Status, Is.EqualTo(RecordFillStatus.Recorded));
        return order;
    }
}
