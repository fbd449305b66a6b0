using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Orders;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>The unit of work on a real database: all or nothing, optimistic writes re-run, read-only snapshots, commits whose answer was lost.</summary>
public abstract class UnitOfWorkContract : DatabaseContract
{
    [Test]
    public async Task Two_units_that_change_one_halt_record_at_once_both_run_and_the_last_write_is_kept_whole()
    {
        await Ledger.ExecuteAsync(async (s, ct) => { await s.Halts.SaveAsync(new SymbolHalt(Binance, BtcUsdt, HaltReason.BeyondIntent, "first", T0), ct); return true; }, CancellationToken.None);

        var writers = Enumerable.Range(0, 4).Select(i => Task.Run(() => Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                var current = await s.Halts.GetAsync(Binance, BtcUsdt, ct);
                await s.Halts.SaveAsync(new SymbolHalt(Binance, BtcUsdt, HaltReason.PositionDiffers, $"writer {i} over {current!.Detail}", T0.AddSeconds(i)), ct);
                return true;
            },
            CancellationToken.None)));
        await Task.WhenAll(writers);

        var stored = await Read((s, ct) => s.Halts.GetAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored!.Detail, Does.StartWith("writer "));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM symbol_halts"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT version FROM symbol_halts"), Is.EqualTo(5), "every writer built on the one before");
        }
    }

    [Test]
    public async Task A_failure_in_the_last_step_of_record_fill_leaves_nothing_written()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "14");
        await NewRecordFill().ExecuteAsync(FillOf(order, "f-before", "100", "0.25"), CancellationToken.None);
        var positionBefore = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        Db.Faults.RejectCommandsNaming("audit_log");

        var failure = Assert.CatchAsync(() => NewRecordFill().ExecuteAsync(FillOf(order, "f-fails", "200", "0.5"), CancellationToken.None));
        Assert.That(failure!.GetBaseException().Message, Does.Contain(LedgerFaults.MissingTable));

        Db.Faults.Clear();
        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        var positionAfter = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills WHERE exchange_fill_id = 'f-fails'"), Is.Zero);
            Assert.That(stored!.FilledQuantity, Is.EqualTo(Quantity.Parse("0.25")));
            Assert.That(stored.Status, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(positionAfter!.SameBalancesAs(positionBefore!), Is.True);
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task An_order_changed_after_a_unit_read_it_fails_that_unit_and_the_rerun_keeps_both_changes()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "21");
        var attempts = 0;

        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                attempts++;
                var current = (await s.Orders.FindByIdAsync(order.Id, ct))!;
                if (attempts == 1)
                {
                    // Another writer fills part of the order between this unit's read and its write.
                    await NewRecordFill().ExecuteAsync(FillOf(order, "f-meanwhile", "100", "0.25"), ct);
                }

                var before = current.Status;
                current.TransitionTo(OrderStatus.Cancelled, T0.AddMinutes(2));
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.StateTransition, T0.AddMinutes(2), ("from", before.ToCode()), ("to", "CANCELLED")), ct);
                await s.Orders.UpdateAsync(current, ct);
                return current;
            },
            CancellationToken.None);

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(attempts, Is.EqualTo(2), "the first attempt's update found the order changed");
            Assert.That(stored!.Status, Is.EqualTo(OrderStatus.Cancelled));
            Assert.That(stored.FilledQuantity, Is.EqualTo(Quantity.Parse("0.25")), "the fill recorded meanwhile is not overwritten");
            Assert.That(
                await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE event_type = 'STATE_TRANSITION'"),
                Is.EqualTo(2),
                "the fill's transition and the cancel: the failed attempt wrote none of its batch");
        }
    }

    [Test]
    public async Task A_position_changed_after_a_unit_read_it_fails_that_unit_and_the_rerun_keeps_both_changes()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "22");
        await NewRecordFill().ExecuteAsync(FillOf(order, "f-1", "100", "0.5"), CancellationToken.None);
        var meanwhile = new FundingPayment("p-meanwhile", Binance, BtcUsdt, new Money(Usdt, Amount.Parse("1")), T0.AddHours(1));
        var mine = new FundingPayment("p-mine", Binance, BtcUsdt, new Money(Usdt, Amount.Parse("2")), T0.AddHours(2));
        var attempts = 0;

        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                attempts++;
                var position = (await s.Positions.GetAsync(Binance, BtcUsdt, ct))!;
                if (attempts == 1)
                {
                    await new TradingBot.Application.Funding.RecordFundingPayment(Ledger, new TestClock(T0)).ExecuteAsync(meanwhile, ct);
                }

                await s.FundingPayments.TryAddAsync(mine, ct);
                position.ApplyFunding(mine.Amount, mine.PaidAt);
                await s.Positions.SaveAsync(position, ct);
                return position;
            },
            CancellationToken.None);

        var stored = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(attempts, Is.EqualTo(2));
            Assert.That(stored!.FundingReceived, Is.EqualTo(Amount.Parse("3")));
            Assert.That(stored.NetQuantity, Is.EqualTo(Amount.Parse("-0.5")));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM funding_payments"), Is.EqualTo(2), "the failed attempt's payment row was not written");
        }
    }

    [Test]
    public async Task Writes_sent_early_for_a_read_still_roll_back_with_the_rest_of_the_unit()
    {
        var failure = Assert.CatchAsync(() => Ledger.ExecuteAsync<int>(
            async (s, ct) =>
            {
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0, ("step", "1")), ct);
                var seen = await s.Audit.GetRecentAsync(null, 10, ct);
                Assert.That(seen, Has.Count.EqualTo(1), "the session reads its own writes");
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0, ("step", "2")), ct);
                throw new InvalidOperationException("the unit fails after its first writes were sent");
            },
            CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure, Is.InstanceOf<InvalidOperationException>());
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.Zero);
        }
    }

    [Test]
    public async Task Writes_sent_early_for_a_read_commit_with_the_rest_of_the_unit()
    {
        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0, ("step", "1")), ct);
                await s.Audit.GetRecentAsync(null, 10, ct);
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0.AddSeconds(1), ("step", "2")), ct);
                return 0;
            },
            CancellationToken.None);

        Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(2));
    }

    [Test]
    public async Task A_read_only_unit_sees_one_snapshot_while_other_units_commit_without_waiting_for_it()
    {
        var order = await CreateOpenAsync(PendingOrder(), "8389765537");
        var recordFill = NewRecordFill();

        var (fillsBefore, fillsAfter, ordersAfter, recorded) = await Ledger.ReadAsync(
            async (s, ct) =>
            {
                var before = await s.Fills.GetAllAsync(ct);
                // Another unit commits a fill and a new order while this one is open: it must not wait for it.
                var result = await recordFill.ExecuteAsync(FillOf(order, "t-1", "64000", "0.1"), ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
                await CreateAsync(PendingOrder("close")).WaitAsync(TimeSpan.FromSeconds(10), ct);
                return (before.Count, (await s.Fills.GetAllAsync(ct)).Count, (await s.Orders.GetAllAsync(ct)).Count, result.Status);
            },
            CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recorded, Is.EqualTo(RecordFillStatus.Recorded));
            Assert.That((fillsBefore, fillsAfter, ordersAfter), Is.EqualTo((0, 0, 1)), "the reads after the other units committed still see the moment of the first read");
            Assert.That((await Read((s, ct) => s.Fills.GetAllAsync(ct))).Count, Is.EqualTo(1));
            Assert.That((await Read((s, ct) => s.Orders.GetAllAsync(ct))).Count, Is.EqualTo(2));
        }
    }

    [Test]
    public async Task A_read_only_unit_that_tries_to_write_fails_and_writes_nothing()
    {
        var order = PendingOrder();

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => Ledger.ReadAsync(
            async (s, ct) =>
            {
                await s.Audit.AppendAsync(AuditEvent.Create(AuditEventType.Decision, T0, ("step", "1")), ct);
                return await s.Orders.CreateAsync(order, ct);
            },
            CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.Contain("read-only").And.Contain("audit_log"));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM orders"), Is.EqualTo(0));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log"), Is.EqualTo(0));
        }
    }

    [Test]
    public async Task An_audit_event_whose_commit_answer_was_lost_is_stored_once()
    {
        // The event is made before the unit of work, as its callers do, so the re-run appends the same one.
        var decision = AuditEvent.Create(AuditEventType.Decision, T0, ("symbol", "BTCUSDT"), ("decision", "hold (flat)"));
        Db.Faults.FailCommits(() => new DbUpdateConcurrencyException("injected: the commit's answer was lost"), afterCommit: true);

        await Ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Audit.AppendAsync(decision, ct);
                return true;
            },
            CancellationToken.None);

        var stored = await Read((s, ct) => s.Audit.GetRecentAsync(null, 10, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Db.Faults.CommitsFaulted, Is.EqualTo(1), "the first attempt's commit landed, its answer did not");
            Assert.That(stored.Select(e => e.Id), Is.EqualTo(new[] { decision.Id }));
        }
    }

    [Test]
    public async Task A_fill_whose_commit_answer_was_lost_is_reported_recorded_and_stored_once()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "lost-fill");
        Db.Faults.FailCommits(() => new DbUpdateConcurrencyException("injected: the commit's answer was lost"), afterCommit: true);

        var result = await NewRecordFill().ExecuteAsync(FillOf(order, "f-lost", "64000", "0.25", fee: "6.4"), CancellationToken.None);

        var position = await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Db.Faults.CommitsFaulted, Is.EqualTo(1), "the first attempt's commit landed, its answer did not");
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded), "the unit finds its own fill stored, and answers as its commit would have");
            Assert.That(result.OrderStatus, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE event_type = 'FILL'"), Is.EqualTo(1));
            Assert.That(position!.NetQuantity, Is.EqualTo(Amount.Parse("-0.25")));
            Assert.That(position.FillCount, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task A_fill_whose_commit_failed_before_landing_is_recorded_by_the_rerun()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "failed-fill");
        Db.Faults.FailCommits(() => new DbUpdateConcurrencyException("injected: the commit failed"), afterCommit: false);

        var result = await NewRecordFill().ExecuteAsync(FillOf(order, "f-failed", "64000", "0.25"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Db.Faults.CommitsFaulted, Is.EqualTo(1));
            Assert.That(result.Status, Is.EqualTo(RecordFillStatus.Recorded), "the failed attempt's fill is not stored, so the work runs again");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT fill_count FROM positions"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task A_funding_payment_whose_commit_answer_was_lost_is_reported_recorded_and_counted_once()
    {
        var payment = new FundingPayment("BINANCE:income:lost", Binance, BtcUsdt, new Money(Usdt, Amount.Parse("1.2345")), T0);
        Db.Faults.FailCommits(() => new DbUpdateConcurrencyException("injected: the commit's answer was lost"), afterCommit: true);

        var recorded = await new TradingBot.Application.Funding.RecordFundingPayment(Ledger, new TestClock(T0)).ExecuteAsync(payment, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Db.Faults.CommitsFaulted, Is.EqualTo(1));
            Assert.That(recorded, Is.True, "the unit finds its own payment stored, and answers as its commit would have");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM funding_payments"), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE event_type = 'FUNDING'"), Is.EqualTo(1));
            Assert.That((await Read((s, ct) => s.Positions.GetAsync(Binance, BtcUsdt, ct)))!.FundingReceived, Is.EqualTo(Amount.Parse("1.2345")));
        }
    }
}
