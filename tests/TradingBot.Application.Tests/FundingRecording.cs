using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;

namespace TradingBot.Application.Tests;

public class FundingRecording : LedgerTestBase
{
    private static FundingPayment Payment(string id, string usdt, DateTimeOffset paidAt) =>
        new(id, Paper, BtcUsdt, Money.Parse(usdt, Usdt), paidAt);

    private static FundingSnapshot Snapshot(string rate, string mark, DateTimeOffset at) =>
        new(Paper, BtcUsdt, FundingRate.Parse(rate), Price.Parse(mark), Price.Parse("64000"), at);

    [Test]
    public async Task A_funding_payment_is_added_to_the_positions_funding_with_a_funding_event()
    {
        var recorded = await NewRecordFundingPayment().ExecuteAsync(Payment("PAPER-FP1", "-1.25", Start), CancellationToken.None);

        var audit = AuditOf(AuditEventType.Funding).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(recorded, Is.True);
            Assert.That(StoredPosition()!.FundingReceived, Is.EqualTo(Amount.Parse("-1.25")));
            Assert.That(Ledger.FundingPayments.Select(p => p.ExchangePaymentId), Is.EqualTo<string[]>(["PAPER-FP1"]));
            Assert.That(audit.Data["exchange_payment_id"], Is.EqualTo("PAPER-FP1"));
            Assert.That(audit.Data["amount"], Is.EqualTo("-1.25 USDT"));
        }
    }

    [Test]
    public async Task The_same_funding_payment_twice_is_recorded_once()
    {
        var recordFunding = NewRecordFundingPayment();
        await recordFunding.ExecuteAsync(Payment("PAPER-FP1", "3.5", Start), CancellationToken.None);

        var again = await recordFunding.ExecuteAsync(Payment("PAPER-FP1", "3.5", Start), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again, Is.False);
            Assert.That(Ledger.FundingPayments, Has.Count.EqualTo(1));
            Assert.That(StoredPosition()!.FundingReceived, Is.EqualTo(Amount.Parse("3.5")));
            Assert.That(AuditOf(AuditEventType.Funding), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task Different_funding_payments_add_up_in_the_position()
    {
        var recordFunding = NewRecordFundingPayment();
        await recordFunding.ExecuteAsync(Payment("PAPER-FP1", "3.5", Start), CancellationToken.None);
        await recordFunding.ExecuteAsync(Payment("PAPER-FP2", "-1.25", Start.AddHours(8)), CancellationToken.None);

        Assert.That(StoredPosition()!.FundingReceived, Is.EqualTo(Amount.Parse("2.25")));
    }

    [Test]
    public async Task A_funding_payment_not_in_the_quote_asset_is_stored_but_not_counted_as_funding()
    {
        var inBnb = new FundingPayment("PAPER-FP3", Paper, BtcUsdt, Money.Parse("0.01", new Asset("BNB")), Start);

        var recorded = await NewRecordFundingPayment().ExecuteAsync(inBnb, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recorded, Is.True);
            Assert.That(Ledger.FundingPayments, Has.Count.EqualTo(1));
            Assert.That(StoredPosition()!.FundingReceived, Is.EqualTo(Amount.Zero));
        }
    }

    [TestCase("Positions.Save")]
    [TestCase("Audit.Append")]
    public async Task A_failure_while_recording_a_payment_leaves_no_payment_so_a_retry_records_it(string failingStep)
    {
        var recordFunding = NewRecordFundingPayment();
        Ledger.FailAt = failingStep;
        await Assert.ThatAsync(() => recordFunding.ExecuteAsync(Payment("PAPER-FP1", "3.5", Start), CancellationToken.None), Throws.InvalidOperationException);
        var paymentsAfterFailure = Ledger.FundingPayments.Count;
        var positionAfterFailure = StoredPosition();
        Ledger.FailAt = null;

        var retried = await recordFunding.ExecuteAsync(Payment("PAPER-FP1", "3.5", Start), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(paymentsAfterFailure, Is.Zero);
            Assert.That(positionAfterFailure, Is.Null);
            Assert.That(retried, Is.True);
            Assert.That(StoredPosition()!.FundingReceived, Is.EqualTo(Amount.Parse("3.5")));
        }
    }

    [Test]
    public async Task Funding_snapshots_are_appended_in_the_order_they_are_recorded()
    {
        var recordSnapshot = NewRecordFundingSnapshot();
        var first = Snapshot("0.0001", "64010", Start);
        var second = Snapshot("0.00038246", "64120.5", Start.AddMinutes(1));

        await recordSnapshot.ExecuteAsync(first, CancellationToken.None);
        await recordSnapshot.ExecuteAsync(second, CancellationToken.None);

        Assert.That(Ledger.FundingSnapshots, Is.EqualTo(new[] { first, second }));
    }

    [Test]
    public async Task An_equal_observation_is_appended_again_but_one_snapshot_is_stored_once()
    {
        var recordSnapshot = NewRecordFundingSnapshot();
        var snapshot = Snapshot("0.0001", "64010", Start);
        var equalObservation = Snapshot("0.0001", "64010", Start);

        await recordSnapshot.ExecuteAsync(snapshot, CancellationToken.None);
        await recordSnapshot.ExecuteAsync(equalObservation, CancellationToken.None);
        await recordSnapshot.ExecuteAsync(snapshot, CancellationToken.None);

        Assert.That(Ledger.FundingSnapshots.Select(s => s.Id), Is.EqualTo(new[] { snapshot.Id, equalObservation.Id }));
    }
}
