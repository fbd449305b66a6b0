using TradingBot.Application.Orders;
using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Tests;

public class RecordFillAtomicity : LedgerTestBase
{
    private Order _order = null!;

    [SetUp]
    public void SeedOpenBuyOfOneBitcoin() => _order = SeedOpen("open", "8801", quantity: "1");

    private Task<RecordFillResult> Record(Fill fill) => NewRecordFill().ExecuteAsync(fill, CancellationToken.None);

    private Fill First() => FillOf(_order, "PAPER-F1", "64000", "0.4", Start, usdtFee: "2.56");

    private Fill Second() => FillOf(_order, "PAPER-F2", "65000", "0.6", Start.AddSeconds(1), usdtFee: "3.9");

    [Test]
    public async Task A_fill_of_part_of_the_order_makes_it_partially_filled()
    {
        var result = await Record(First());

        var stored = StoredOrder(_order.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(result.OrderStatus, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(stored.FilledQuantity, Is.EqualTo(Quantity.Parse("0.4")));
            Assert.That(Ledger.Fills.Single().Sequence, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task The_fill_that_completes_the_order_makes_it_filled()
    {
        await Record(First());

        var result = await Record(Second());

        var stored = StoredOrder(_order.Id);
        var transitions = AuditOf(AuditEventType.StateTransition);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.OrderStatus, Is.EqualTo(OrderStatus.Filled));
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(stored.FilledQuantity, Is.EqualTo(Quantity.Parse("1")));
            Assert.That(transitions.Select(t => (t.Data["from"], t.Data["to"])), Is.EqualTo(new[] { ("OPEN", "PARTIALLY_FILLED"), ("PARTIALLY_FILLED", "FILLED") }));
            Assert.That(Ledger.Fills.Select(f => f.Sequence), Is.EqualTo<long[]>([1, 2]));
        }
    }

    [Test]
    public async Task A_recorded_fill_updates_the_position()
    {
        await Record(First());
        await Record(Second());

        var position = StoredPosition();
        Assert.That(position, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("1")));

            // 0.4 × 64000 + 0.6 × 65000 = 25600 + 39000
            Assert.That(position.EntryNotional, Is.EqualTo(Amount.Parse("64600")));
            Assert.That(position.AverageEntryPrice, Is.EqualTo(Price.Parse("64600")));
            Assert.That(position.FeesPaid, Is.EqualTo(Amount.Parse("6.46")));
            Assert.That(position.FillCount, Is.EqualTo(2));
        }
    }

    [Test]
    public async Task A_recorded_fill_writes_a_fill_audit_event()
    {
        await Record(First());

        var fill = AuditOf(AuditEventType.Fill).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fill.Data["exchange_fill_id"], Is.EqualTo("PAPER-F1"));
            Assert.That(fill.Data["order_id"], Is.EqualTo(_order.Id.ToString()));
            Assert.That(fill.Data["side"], Is.EqualTo("BUY"));
            Assert.That(fill.Data["price"], Is.EqualTo("64000"));
            Assert.That(fill.Data["quantity"], Is.EqualTo("0.4"));
            Assert.That(fill.Data["fee"], Is.EqualTo("2.56 USDT"));
            Assert.That(fill.Data["position"], Is.EqualTo("0.4"));
            Assert.That(fill.CreatedAt, Is.EqualTo(Start));
        }
    }

    [Test]
    public async Task A_closing_fill_reports_the_trading_pnl_it_realized()
    {
        var buy = await Record(First());
        var sell = SeedOpen("close", "8802", Side.Sell, quantity: "0.4");

        var result = await Record(FillOf(sell, "PAPER-F3", "64500", "0.4", Start.AddMinutes(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(buy.RealizedPnl, Is.EqualTo(Amount.Zero));

            // (64500 − 64000) × 0.4
            Assert.That(result.RealizedPnl, Is.EqualTo(Amount.Parse("200")));
            Assert.That(StoredPosition()!.IsFlat, Is.True);
        }
    }

    [Test]
    public async Task The_same_exchange_fill_id_twice_is_a_duplicate_and_changes_nothing()
    {
        await Record(First());
        var orderBefore = StoredOrder(_order.Id);
        var positionBefore = StoredPosition()!;
        var auditBefore = Ledger.AuditEvents.Count;

        var again = await Record(First());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again.Status, Is.EqualTo(RecordFillStatus.Duplicate));
            Assert.That(Ledger.Fills, Has.Count.EqualTo(1));
            Assert.That(StoredOrder(_order.Id).FilledQuantity, Is.EqualTo(orderBefore.FilledQuantity));
            Assert.That(StoredOrder(_order.Id).Status, Is.EqualTo(orderBefore.Status));
            Assert.That(StoredPosition()!.SameBalancesAs(positionBefore), Is.True);
            Assert.That(Ledger.AuditEvents, Has.Count.EqualTo(auditBefore));
        }
    }

    [Test]
    public async Task A_fill_id_already_recorded_for_another_order_is_a_duplicate_and_changes_nothing()
    {
        await Record(First());
        var other = SeedOpen("hedge", "8803", quantity: "1");
        var auditBefore = Ledger.AuditEvents.Count;

        var result = await Record(FillOf(other, "PAPER-F1", "64000", "0.4", Start));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Duplicate));
            Assert.That(Ledger.Fills, Has.Count.EqualTo(1));
            Assert.That(StoredOrder(other.Id).Status, Is.EqualTo(OrderStatus.Open));
            Assert.That(StoredOrder(other.Id).FilledQuantity, Is.EqualTo(Quantity.Zero));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("0.4")));
            Assert.That(Ledger.AuditEvents, Has.Count.EqualTo(auditBefore));
        }
    }

    [Test]
    public async Task An_over_fill_is_refused_and_nothing_is_written()
    {
        await Record(First());
        var positionBefore = StoredPosition()!;
        var auditBefore = Ledger.AuditEvents.Count;

        var result = await Record(FillOf(_order, "PAPER-F9", "64000", "0.7", Start.AddSeconds(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Refused));
            Assert.That(Ledger.Fills.Select(f => f.Fill.ExchangeFillId.Value), Is.EqualTo<string[]>(["PAPER-F1"]));
            Assert.That(StoredOrder(_order.Id).FilledQuantity, Is.EqualTo(Quantity.Parse("0.4")));
            Assert.That(StoredOrder(_order.Id).Status, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(StoredPosition()!.SameBalancesAs(positionBefore), Is.True);
            Assert.That(Ledger.AuditEvents, Has.Count.EqualTo(auditBefore));
        }
    }

    [Test]
    public async Task A_fill_of_an_order_judged_never_placed_is_recorded_and_the_judgement_corrected_in_the_audit_log()
    {
        var rejected = SeedPending("hedge", Start);
        Ledger.Seed(Order.Rehydrate(
            rejected.Id, rejected.Exchange, rejected.Symbol, rejected.Side, rejected.Type, rejected.Quantity, rejected.LimitPrice,
            rejected.IdempotencyKey, OrderStatus.Rejected, null, Quantity.Zero, Start, Start));

        var result = await Record(FillOf(rejected, "PAPER-F7", "64000", "0.1", Start));

        var transition = AuditOf(AuditEventType.StateTransition).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(result.CorrectedRejection, Is.True);
            Assert.That(result.OrderStatus, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(Ledger.Fills.Single().Fill.ExchangeFillId.Value, Is.EqualTo("PAPER-F7"));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("0.1")));
            Assert.That(transition.Data["from"], Is.EqualTo("REJECTED"));
            Assert.That(transition.Data["reason"], Does.Contain("judgement that it was never placed is corrected"));
        }
    }

    [Test]
    public async Task A_fill_of_an_order_the_ledger_does_not_have_is_UnknownOrder_and_nothing_is_written()
    {
        var stranger = Order.CreatePending(
            OrderId.New(), Paper, BtcUsdt, Side.Buy, OrderType.Market, Quantity.Parse("1"), null,
            IdempotencyKey.For(Intent("ghost")), Start);

        var result = await Record(FillOf(stranger, "PAPER-F8", "64000", "0.1", Start));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.UnknownOrder));
            Assert.That(result.OrderStatus, Is.Null);
            Assert.That(Ledger.Fills, Is.Empty);
            Assert.That(StoredPosition(), Is.Null);
            Assert.That(Ledger.AuditEvents, Is.Empty);
        }
    }

    [TestCase("Fills.TryAdd")]
    [TestCase("Orders.Update")]
    [TestCase("Positions.Save")]
    [TestCase("Audit.Append")]
    public async Task A_failure_at_any_step_throws_and_leaves_fill_order_position_and_audit_unchanged(string failingStep)
    {
        await Record(First());
        var orderBefore = StoredOrder(_order.Id);
        var positionBefore = StoredPosition()!;
        var auditBefore = Ledger.AuditEvents.Count;
        Ledger.FailAt = failingStep;

        // The completing fill would change the status too (PARTIALLY_FILLED → FILLED).
        await Assert.ThatAsync(() => Record(Second()), Throws.InvalidOperationException.With.Message.Contains(failingStep));

        var orderAfter = StoredOrder(_order.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ledger.Fills.Select(f => f.Fill.ExchangeFillId.Value), Is.EqualTo<string[]>(["PAPER-F1"]));
            Assert.That(orderAfter.Status, Is.EqualTo(orderBefore.Status));
            Assert.That(orderAfter.FilledQuantity, Is.EqualTo(orderBefore.FilledQuantity));
            Assert.That(StoredPosition()!.SameBalancesAs(positionBefore), Is.True);
            Assert.That(Ledger.AuditEvents, Has.Count.EqualTo(auditBefore));
        }
    }

    [Test]
    public async Task A_fill_that_failed_to_record_can_be_recorded_once_the_failure_is_gone()
    {
        Ledger.FailAt = "Audit.Append";
        await Assert.ThatAsync(() => Record(First()), Throws.InvalidOperationException);
        Ledger.FailAt = null;

        var result = await Record(First());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That(Ledger.Fills, Has.Count.EqualTo(1));
            Assert.That(StoredPosition()!.FillCount, Is.EqualTo(1));
        }
    }
}
