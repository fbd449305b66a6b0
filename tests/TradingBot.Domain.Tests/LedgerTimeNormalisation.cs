using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.Domain.Reconciliation;
using TradingBot.Domain.Time;
using static TradingBot.Domain.Tests.TestLedger;

namespace TradingBot.Domain.Tests;

public class LedgerTimeNormalisation
{
    // 2024-03-01T10:00:00.1234567+02:00 is 08:00:00.1234567Z; its microsecond value is 08:00:00.123456Z.
    private static readonly DateTimeOffset LocalWithTicks = new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
    private static readonly DateTimeOffset ExpectedUtcMicroseconds = new DateTimeOffset(2024, 3, 1, 8, 0, 0, TimeSpan.Zero).AddTicks(1_234_560);

    [Test]
    public void Normalize_converts_to_UTC()
    {
        var normalized = LedgerTime.Normalize(new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.FromHours(2)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(normalized.Offset, Is.EqualTo(TimeSpan.Zero));
            Assert.That(normalized.DateTime, Is.EqualTo(new DateTime(2024, 3, 1, 8, 0, 0, DateTimeKind.Unspecified)));
        }
    }

    [Test]
    public void Normalize_converts_a_negative_offset_to_UTC()
    {
        var normalized = LedgerTime.Normalize(new DateTimeOffset(2024, 2, 29, 21, 0, 0, TimeSpan.FromHours(-11)));

        Assert.That(normalized, Is.EqualTo(T0).WithSameOffset);
    }

    [Test]
    public void Normalize_truncates_to_whole_microseconds()
    {
        Assert.That(LedgerTime.Normalize(LocalWithTicks).UtcTicks, Is.EqualTo(ExpectedUtcMicroseconds.UtcTicks));
    }

    [Test]
    public void Normalize_truncates_rather_than_rounds_the_sub_microsecond_ticks()
    {
        Assert.That(LedgerTime.Normalize(T0.AddTicks(9)), Is.EqualTo(T0));
    }

    [Test]
    public void Normalize_keeps_a_value_that_is_already_whole_microseconds()
    {
        var value = T0.AddTicks(1_234_560);

        Assert.That(LedgerTime.Normalize(value), Is.EqualTo(value));
    }

    [Test]
    public void Normalize_is_idempotent()
    {
        var once = LedgerTime.Normalize(LocalWithTicks);

        Assert.That(LedgerTime.Normalize(once).EqualsExact(once), Is.True);
    }

    [Test]
    public void A_fill_time_is_normalised()
    {
        var fill = Fill("1", "100", at: LocalWithTicks);

        AssertNormalised(fill.FilledAt);
    }

    [Test]
    public void A_funding_snapshot_time_is_normalised()
    {
        var snapshot = new FundingSnapshot(Binance, BtcUsdt, FundingRate.Parse("0.0001"), P("64000"), P("63990"), LocalWithTicks);

        AssertNormalised(snapshot.SnapshotAt);
    }

    [Test]
    public void A_funding_payment_time_is_normalised()
    {
        var payment = new FundingPayment("BINANCE:F:1", Binance, BtcUsdt, Money.Parse("1", Usdt), LocalWithTicks);

        AssertNormalised(payment.PaidAt);
    }

    [Test]
    public void An_order_creation_time_is_normalised()
    {
        var order = Order.CreatePending(OrderId.New(), Binance, BtcUsdt, Instruments.Side.Buy, Instruments.OrderType.Market, Q("1"), null, Key, LocalWithTicks);

        using (Assert.EnterMultipleScope())
        {
            AssertNormalised(order.CreatedAt);
            AssertNormalised(order.UpdatedAt);
        }
    }

    [Test]
    public void An_audit_event_time_is_normalised()
    {
        var audit = AuditEvent.Create(AuditEventType.Decision, LocalWithTicks, ("strategy", "momentum"));

        AssertNormalised(audit.CreatedAt);
    }

    [Test]
    public void A_state_snapshot_time_is_normalised()
    {
        var snapshot = new StateSnapshot(Guid.NewGuid(), Binance, LocalWithTicks, [], [], []);

        AssertNormalised(snapshot.ReconciledAt);
    }

    [Test]
    public void A_funding_payment_time_applied_to_a_position_is_normalised()
    {
        var position = Position.Flat(Binance, BtcUsdt);

        position.ApplyFunding(Money.Parse("1", Usdt), LocalWithTicks);

        AssertNormalised(position.UpdatedAt);
    }

    [Test]
    public void A_rehydrated_position_time_is_normalised()
    {
        var position = Position.Rehydrate(Binance, BtcUsdt, default, default, default, default, default, 0, LocalWithTicks);

        AssertNormalised(position.UpdatedAt);
    }

    private static void AssertNormalised(DateTimeOffset actual)
    {
        Assert.That(actual.EqualsExact(ExpectedUtcMicroseconds), Is.True, $"{actual:O} should be {ExpectedUtcMicroseconds:O}");
    }
}
