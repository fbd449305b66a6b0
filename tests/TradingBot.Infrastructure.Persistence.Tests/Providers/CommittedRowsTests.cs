using TradingBot.Infrastructure.Persistence.Repositories;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>
/// What record-fill's memory of committed rows keeps: live orders only, so a worker that trades for months holds what is
/// open, not everything it ever traded.
/// </summary>
[TestFixture]
public sealed class CommittedRowsTests
{
    private static readonly PositionRow Position = new() { Id = Guid.CreateVersion7(), Exchange = "BINANCE", Symbol = "BTCUSDT", Version = 1 };

    private static OrderRow Order(Guid id, string status) =>
        new() { Id = id, Exchange = "BINANCE", Symbol = "BTCUSDT", Side = "SELL", Type = "MARKET", QuantityBase = 100_000_000, Status = status };

    [TestCase("OPEN", true)]
    [TestCase("PARTIALLY_FILLED", true)]
    [TestCase("FILLED", false)]
    [TestCase("CANCELLED", false)]
    [TestCase("REJECTED", false)]
    public void An_order_is_remembered_only_while_it_can_take_more_fills(string status, bool remembered)
    {
        var rows = new CommittedRows();
        var id = Guid.CreateVersion7();

        rows.Add([Order(id, status)], [Position], ["f-1"]);

        Assert.That(rows.TryGet(id, "f-2", out _, out _), Is.EqualTo(remembered));
    }

    [Test]
    public void The_fill_that_completes_an_order_forgets_it_and_a_later_fill_of_it_is_read()
    {
        var rows = new CommittedRows();
        var id = Guid.CreateVersion7();
        rows.Add([Order(id, "PARTIALLY_FILLED")], [Position], ["f-1"]);

        rows.Add([Order(id, "FILLED")], [Position], ["f-2"]);

        Assert.That(rows.TryGet(id, "f-3", out _, out _), Is.False);
    }

    [Test]
    public void Orders_traded_to_the_end_leave_room_for_the_live_ones()
    {
        var rows = new CommittedRows();
        var live = Guid.CreateVersion7();
        rows.Add([Order(live, "OPEN")], [Position], []);

        // More finished orders than the memory's capacity: none of them pushes the live order out.
        for (var i = 0; i < CommittedRows.Capacity * 3; i++)
        {
            rows.Add([Order(Guid.CreateVersion7(), "FILLED")], [Position], []);
        }

        Assert.That(rows.TryGet(live, "f-1", out var order, out _), Is.True);
        Assert.That(order.Id, Is.EqualTo(live));
    }
}
