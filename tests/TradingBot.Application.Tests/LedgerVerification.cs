using TradingBot.Application.Ports;
using TradingBot.Application.Tests.Support;
using TradingBot.Application.Verification;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;

namespace TradingBot.Application.Tests;

/// <summary>
/// The ledger's invariants, checked on a ledger written by the real use cases and then tampered with the
/// way a bug or a hand edit would: one broken invariant at a time, each reported naming what is wrong.
/// </summary>
public class LedgerVerification : LedgerTestBase
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RequestValidity = TimeSpan.FromSeconds(5);

    /// <summary>Storage checks that report the lines they were given.</summary>
    private sealed class FixedIntegrity(IReadOnlyList<string> problems) : ILedgerIntegrity
    {
        public Task<IReadOnlyList<string>> CheckStorageAsync(CancellationToken cancellationToken) => Task.FromResult(problems);
    }

    private Task<VerificationReport> Verify(params string[] storageProblems) =>
        new VerifyLedger(Ledger, new FixedIntegrity(storageProblems), Clock, Timing).ExecuteAsync(RequestValidity, Grace, CancellationToken.None);

    // The moment a worker judges a PENDING order created at Start - age "never placed".
    private DateTimeOffset CreatedSoThatItsDeadlineIs(DateTimeOffset deadline) => deadline - Timing.MaxSendDelay - RequestValidity - Timing.VisibilityMargin;

    private Task<bool> Write(Func<ILedgerSession, CancellationToken, Task> work) =>
        Ledger.ExecuteAsync(
            async (session, ct) =>
            {
                await work(session, ct);
                return true;
            },
            CancellationToken.None);

    /// <summary>An OPEN buy of <paramref name="quantity"/> with <paramref name="fills"/> recorded by RecordFill.</summary>
    private async Task<Order> OrderWithFills(string quantity, params string[] fills)
    {
        var order = SeedOpen("open", "8801", quantity: quantity, createdAt: Start.AddHours(-1));
        var recordFill = NewRecordFill();
        for (var i = 0; i < fills.Length; i++)
        {
            await recordFill.ExecuteAsync(FillOf(order, $"PAPER-T{i + 1}", "64000", fills[i], Start.AddMinutes(-50 + i), usdtFee: "0.64"), CancellationToken.None);
        }

        return StoredOrder(order.Id);
    }

    /// <summary>Overwrites the stored order with a different status or filled quantity.</summary>
    private void Tamper(Order order, OrderStatus status, string filledQuantity) =>
        Ledger.Seed(Order.Rehydrate(
            order.Id, order.Exchange, order.Symbol, order.Side, order.Type, order.Quantity, order.LimitPrice,
            order.IdempotencyKey, status, order.ExchangeOrderId, Quantity.Parse(filledQuantity), order.CreatedAt, order.UpdatedAt));

    [Test]
    public async Task A_ledger_written_by_the_use_cases_passes()
    {
        await OrderWithFills("1", "0.4", "0.6");

        var report = await Verify();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Violations, Is.Empty);
            Assert.That(report.Passed, Is.True);
            Assert.That((report.OrdersChecked, report.FillsChecked, report.PositionsChecked), Is.EqualTo((1, 2, 1)));
        }
    }

    [Test]
    public async Task An_empty_ledger_passes()
    {
        var report = await Verify();

        Assert.That(report.Passed, Is.True);
    }

    [Test]
    public async Task Funding_payments_are_part_of_the_position_replay_so_a_ledger_with_one_still_passes()
    {
        await OrderWithFills("1", "0.4");
        await NewRecordFundingPayment().ExecuteAsync(new FundingPayment("PAPER-FP1", Paper, BtcUsdt, Money.Parse("-1.25", Usdt), Start), CancellationToken.None);

        var report = await Verify();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(StoredPosition()!.FundingReceived, Is.EqualTo(Amount.Parse("-1.25")));
            Assert.That(report.Violations, Is.Empty);
        }
    }

    [Test]
    public async Task Storage_problems_are_reported_as_violations()
    {
        var report = await Verify("duplicate idempotency key tb-0123", "PRAGMA integrity_check: row 7 missing from index");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Passed, Is.False);
            Assert.That(report.Violations, Is.EqualTo<string[]>(["duplicate idempotency key tb-0123", "PRAGMA integrity_check: row 7 missing from index"]));
        }
    }

    [Test]
    public async Task An_order_whose_status_disagrees_with_its_fills_is_reported_naming_its_key()
    {
        var order = await OrderWithFills("1", "0.4");
        Tamper(order, OrderStatus.Open, "0.4");

        var report = await Verify();

        Assert.That(report.Violations, Is.EqualTo(new[] { $"order {order.IdempotencyKey} is OPEN but its fills sum to 0.4 of 1" }));
    }

    [Test]
    public async Task An_order_filled_without_any_fills_is_reported_naming_its_key()
    {
        var order = SeedOpen("open", "8801", quantity: "1");
        Tamper(order, OrderStatus.Filled, "1");

        var report = await Verify();

        Assert.That(report.Violations, Has.Some.EqualTo($"order {order.IdempotencyKey} is FILLED but its fills sum to 0 of 1"));
    }

    [Test]
    public async Task An_order_whose_filled_quantity_differs_from_its_fills_is_reported_naming_its_key()
    {
        var order = await OrderWithFills("1", "0.4");
        Tamper(order, OrderStatus.PartiallyFilled, "0.5");

        var report = await Verify();

        Assert.That(report.Violations, Is.EqualTo(new[] { $"order {order.IdempotencyKey} records 0.5 filled but its fills sum to 0.4" }));
    }

    [Test]
    public async Task An_over_filled_order_is_reported_naming_its_key()
    {
        var order = await OrderWithFills("0.5", "0.5");
        var extra = FillOf(order, "PAPER-T9", "64000", "0.1", Start.AddMinutes(-10));
        await Write(async (session, ct) =>
        {
            // A writer that skipped the order's over-fill check: the fill and the position agree, the order cannot.
            var position = await session.Positions.GetAsync(Paper, BtcUsdt, ct);
            await session.Fills.TryAddAsync(extra, position!.FillCount + 1, Amount.Zero, ct);
            position.ApplyFill(Side.Buy, extra);
            await session.Positions.SaveAsync(position, ct);
        });

        var report = await Verify();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Violations, Has.Some.EqualTo($"order {order.IdempotencyKey} is over-filled: fills sum to 0.6, the order is for 0.5"));
            Assert.That(report.Violations, Has.None.Contains("position"), "the position is the replay of the fills");
        }
    }

    [Test]
    public async Task A_pending_order_past_the_workers_deadline_and_the_grace_is_reported_naming_its_key()
    {
        var stale = SeedPending("open", CreatedSoThatItsDeadlineIs(Start - Grace - TimeSpan.FromSeconds(1)));

        var report = await Verify();

        Assert.That(report.Violations, Is.EqualTo(new[] { $"order {stale.IdempotencyKey} has been PENDING since {stale.CreatedAt:O}, past its deadline {Timing.NeverPlacedAfter(stale, RequestValidity):O}: its outcome was never resolved" }));
    }

    [Test]
    public async Task A_pending_order_within_its_deadline_and_the_grace_is_not_reported()
    {
        SeedPending("open", CreatedSoThatItsDeadlineIs(Start - Grace));

        var report = await Verify();

        Assert.That(report.Violations, Is.Empty);
    }

    [Test]
    public async Task A_position_that_is_not_the_replay_of_its_fills_is_reported_naming_its_symbol()
    {
        await OrderWithFills("1", "0.4", "0.6");
        var stored = StoredPosition()!;
        var tampered = Position.Rehydrate(
            Paper, BtcUsdt, Amount.Parse("0.9"), stored.EntryNotional, stored.RealizedPnl, stored.FeesPaid,
            stored.FundingReceived, stored.FillCount, stored.UpdatedAt);
        await Write((session, ct) => session.Positions.SaveAsync(tampered, ct));

        var report = await Verify();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Violations, Has.Count.EqualTo(1));
            Assert.That(report.Violations[0], Does.StartWith("position PAPER/BTCUSDT is not a replay of its fills and funding"));
            Assert.That(report.Violations[0], Does.Contain("stored net 0.9").And.Contain("replay net 1"));
        }
    }

    [Test]
    public async Task A_position_whose_funding_has_no_payment_behind_it_is_reported()
    {
        await OrderWithFills("1", "0.4");
        var stored = StoredPosition()!;
        var tampered = Position.Rehydrate(
            Paper, BtcUsdt, stored.NetQuantity, stored.EntryNotional, stored.RealizedPnl, stored.FeesPaid,
            Amount.Parse("3.5"), stored.FillCount, stored.UpdatedAt);
        await Write((session, ct) => session.Positions.SaveAsync(tampered, ct));

        var report = await Verify();

        Assert.That(report.Violations, Has.Exactly(1).StartsWith("position PAPER/BTCUSDT is not a replay").And.Contains("funding 3.5"));
    }

    [Test]
    public async Task Fills_without_a_position_are_reported_naming_the_symbol()
    {
        var order = SeedOpen("open", "8801", quantity: "1");
        await Write(async (session, ct) =>
        {
            // A writer that recorded the fill and the order but forgot the position.
            var current = await session.Orders.FindByIdAsync(order.Id, ct);
            var fill = FillOf(current!, "PAPER-T1", "64000", "1", Start);
            current!.ApplyFill(fill, Start);
            await session.Orders.UpdateAsync(current, ct);
            await session.Fills.TryAddAsync(fill, 1, Amount.Zero, ct);
        });

        var report = await Verify();

        // The writer forgot the fill's day too: its days are checked although it has no position.
        Assert.That(report.Violations, Is.EqualTo<string[]>(
        [
            "PAPER/BTCUSDT has 1 fills but no position",
            "PnL of PAPER/BTCUSDT on 2025-03-01 is not stored; its fills and payments add up to trading 0, fees 0, funding 0",
        ]));
    }
}
