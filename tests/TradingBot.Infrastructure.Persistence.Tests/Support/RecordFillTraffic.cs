using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Infrastructure.Persistence.Tests.Support;

/// <summary>
/// What recording fills sends to the database: the first fill of a new position (the ledger does not know the
/// position yet), then the next fill in the steady state (the ledger wrote the order and its position last). Each call
/// trades a symbol of its own.
/// </summary>
public static class RecordFillTraffic
{
    private sealed class FixedClock(DateTimeOffset now) : IClock
    {
        public DateTimeOffset UtcNow => now;
    }

    public static async Task<(RecordFillResult Result, IReadOnlyList<string> FirstFillCommands, IReadOnlyList<string> Commands, int Transactions)> SecondFillAsync(LedgerTestDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);
        var exchange = new ExchangeName("BINANCE");
        var symbol = new Symbol($"T{Guid.NewGuid():N}"[..9].ToUpperInvariant() + "USDT");
        var order = Order.CreatePending(
            OrderId.New(), exchange, symbol, Side.Buy, OrderType.Limit, Quantity.Parse("1"), Price.Parse("100"),
            IdempotencyKey.For(new TradingIntent("traffic", exchange, symbol, now, Guid.NewGuid().ToString("N"))), now);
        await db.Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Orders.CreateAsync(order, ct);
                order.AssignExchangeOrderId($"traffic-{order.Id}", now);
                order.TransitionTo(OrderStatus.Open, now);
                await s.Orders.UpdateAsync(order, ct);
                return 0;
            },
            CancellationToken.None);
        var recordFill = new RecordFill(db.Ledger, new FixedClock(now.AddMinutes(1)));
        Fill FillNumber(int n) => new(new ExchangeFillId($"traffic-{order.Id}-f{n}"), order.Id, Price.Parse("100"), Quantity.Parse("0.1"), new Money(new Asset("USDT"), Amount.Parse("0.01")), now.AddSeconds(n));
        db.Traffic.Clear();
        await recordFill.ExecuteAsync(FillNumber(1), CancellationToken.None);
        var first = db.Traffic.Commands;

        db.Traffic.Clear();
        var result = await recordFill.ExecuteAsync(FillNumber(2), CancellationToken.None);
        return (result, first, db.Traffic.Commands, db.Traffic.Transactions);
    }
}
