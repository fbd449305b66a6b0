using TradingBot.Domain.Orders;
using static TradingBot.Domain.Orders.OrderStatus;

namespace TradingBot.Domain.Tests;

public class OrderStatusTransitions
{
    // The ledger's transition table, written out pair by pair.
    private static readonly (OrderStatus From, OrderStatus To)[] AllowedPairs =
    [
        (Pending, Open),
        (Pending, PartiallyFilled),
        (Pending, Filled),
        (Pending, Cancelled),
        (Pending, Rejected),
        (Open, PartiallyFilled),
        (Open, Filled),
        (Open, Cancelled),
        (PartiallyFilled, Filled),
        (PartiallyFilled, Cancelled),

        // A "never placed" judgement corrected: the exchange shows the order after all.
        (Rejected, Open),
        (Rejected, Cancelled),
    ];

    private static readonly (OrderStatus From, OrderStatus To)[] RefusedPairs =
    [
        (Pending, Pending),
        (Open, Pending),
        (Open, Open),
        (Open, Rejected),
        (PartiallyFilled, Pending),
        (PartiallyFilled, Open),
        (PartiallyFilled, PartiallyFilled),
        (PartiallyFilled, Rejected),
        (Filled, Pending),
        (Filled, Open),
        (Filled, PartiallyFilled),
        (Filled, Filled),
        (Filled, Cancelled),
        (Filled, Rejected),
        (Cancelled, Pending),
        (Cancelled, Open),
        (Cancelled, PartiallyFilled),
        (Cancelled, Filled),
        (Cancelled, Cancelled),
        (Cancelled, Rejected),
        (Rejected, Pending),
        (Rejected, PartiallyFilled),
        (Rejected, Filled),
        (Rejected, Rejected),
    ];

    public static IEnumerable<TestCaseData> AllowedTransitions() =>
        AllowedPairs.Select(p => new TestCaseData(p.From, p.To));

    public static IEnumerable<TestCaseData> RefusedTransitions() =>
        RefusedPairs.Select(p => new TestCaseData(p.From, p.To));

    public static IEnumerable<TestCaseData> RefusedMoves() =>
        RefusedPairs.Where(p => p.From != p.To).Select(p => new TestCaseData(p.From, p.To));

    [Test]
    public void The_listed_pairs_cover_all_36_status_pairs_exactly_once()
    {
        var all = Enum.GetValues<OrderStatus>().SelectMany(from => Enum.GetValues<OrderStatus>().Select(to => (from, to)));

        Assert.That(AllowedPairs.Concat(RefusedPairs), Is.EquivalentTo(all));
    }

    [TestCaseSource(nameof(AllowedTransitions))]
    public void The_table_allows(OrderStatus from, OrderStatus to)
    {
        Assert.That(OrderStatusRules.CanTransition(from, to), Is.True);
    }

    [TestCaseSource(nameof(RefusedTransitions))]
    public void The_table_refuses(OrderStatus from, OrderStatus to)
    {
        Assert.That(OrderStatusRules.CanTransition(from, to), Is.False);
    }

    [TestCase(Filled)]
    [TestCase(Cancelled)]
    [TestCase(Rejected)]
    public void Filled_cancelled_and_rejected_are_terminal(OrderStatus status)
    {
        Assert.That(status.IsTerminal(), Is.True);
    }

    [TestCase(Pending)]
    [TestCase(Open)]
    [TestCase(PartiallyFilled)]
    public void Pending_open_and_partially_filled_are_not_terminal(OrderStatus status)
    {
        Assert.That(status.IsTerminal(), Is.False);
    }

    [Test]
    public void Only_open_and_partially_filled_orders_are_live_at_the_exchange()
    {
        Assert.That(Enum.GetValues<OrderStatus>().Where(s => s.IsOpen()), Is.EquivalentTo(new[] { Open, PartiallyFilled }));
    }

    [TestCase(Pending, "PENDING")]
    [TestCase(Open, "OPEN")]
    [TestCase(PartiallyFilled, "PARTIALLY_FILLED")]
    [TestCase(Filled, "FILLED")]
    [TestCase(Cancelled, "CANCELLED")]
    [TestCase(Rejected, "REJECTED")]
    public void Each_status_has_a_stored_code_that_parses_back(OrderStatus status, string code)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status.ToCode(), Is.EqualTo(code));
            Assert.That(OrderStatusRules.Parse(code), Is.EqualTo(status));
        }
    }

    [TestCase("pending")]
    [TestCase("EXPIRED")]
    [TestCase("")]
    [TestCase(null)]
    public void An_unknown_status_code_is_refused(string? code)
    {
        Assert.That(() => OrderStatusRules.Parse(code), Throws.TypeOf<FormatException>());
    }

    [TestCaseSource(nameof(AllowedTransitions))]
    public void An_order_makes_every_allowed_move_when_its_fills_agree(OrderStatus from, OrderStatus to)
    {
        var order = TestLedger.Stored(from, quantity: "1", filled: FilledConsistentWith(to));
        var now = TestLedger.T0.AddMinutes(1);

        var moved = order.TryTransitionTo(to, now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(moved, Is.True);
            Assert.That(order.Status, Is.EqualTo(to));
            Assert.That(order.UpdatedAt, Is.EqualTo(now));
        }
    }

    [TestCaseSource(nameof(RefusedMoves))]
    public void An_order_refuses_every_illegal_move_and_stays_unchanged(OrderStatus from, OrderStatus to)
    {
        var order = TestLedger.Stored(from, quantity: "1", filled: FilledConsistentWith(to));
        var filledBefore = order.FilledQuantity;

        var moved = order.TryTransitionTo(to, TestLedger.T0.AddMinutes(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(moved, Is.False);
            Assert.That(order.Status, Is.EqualTo(from));
            Assert.That(order.FilledQuantity, Is.EqualTo(filledBefore));
            Assert.That(order.UpdatedAt, Is.EqualTo(TestLedger.T0));
        }
    }

    [TestCaseSource(nameof(RefusedMoves))]
    public void TransitionTo_throws_InvalidOperationException_for_every_illegal_move(OrderStatus from, OrderStatus to)
    {
        var order = TestLedger.Stored(from, quantity: "1", filled: FilledConsistentWith(to));

        Assert.That(
            () => order.TransitionTo(to, TestLedger.T0.AddMinutes(1)),
            Throws.InvalidOperationException.With.Message.Contains(from.ToCode()).And.Message.Contains(to.ToCode()));
    }

    [Test]
    public void Staying_in_the_same_status_is_accepted_and_changes_nothing()
    {
        var order = TestLedger.Stored(Open);

        var moved = order.TryTransitionTo(Open, TestLedger.T0.AddMinutes(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(moved, Is.True);
            Assert.That(order.Status, Is.EqualTo(Open));
            Assert.That(order.UpdatedAt, Is.EqualTo(TestLedger.T0));
        }
    }

    [Test]
    public void Filled_is_refused_while_nothing_is_filled()
    {
        var order = TestLedger.Stored(Open, quantity: "1", filled: "0");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(order.TryTransitionTo(Filled, TestLedger.T0), Is.False);
            Assert.That(order.Status, Is.EqualTo(Open));
        }
    }

    [Test]
    public void Filled_is_refused_while_only_part_of_the_quantity_is_filled()
    {
        var order = TestLedger.Stored(PartiallyFilled, quantity: "1", filled: "0.99999999");

        Assert.That(
            () => order.TransitionTo(Filled, TestLedger.T0),
            Throws.InvalidOperationException.With.Message.Contains("filled 0.99999999 of 1"));
    }

    [Test]
    public void Filled_is_accepted_once_the_full_quantity_is_filled()
    {
        var order = TestLedger.Stored(PartiallyFilled, quantity: "1", filled: "1");

        order.TransitionTo(Filled, TestLedger.T0);

        Assert.That(order.Status, Is.EqualTo(Filled));
    }

    [Test]
    public void Partially_filled_is_refused_while_nothing_is_filled()
    {
        Assert.That(TestLedger.Stored(Open, filled: "0").TryTransitionTo(PartiallyFilled, TestLedger.T0), Is.False);
    }

    [Test]
    public void Partially_filled_is_refused_when_everything_is_filled()
    {
        Assert.That(TestLedger.Stored(Open, quantity: "1", filled: "1").TryTransitionTo(PartiallyFilled, TestLedger.T0), Is.False);
    }

    [Test]
    public void Open_is_refused_once_something_is_filled()
    {
        Assert.That(TestLedger.Stored(Pending, filled: "0.1").TryTransitionTo(Open, TestLedger.T0), Is.False);
    }

    [Test]
    public void Rejected_is_refused_once_something_is_filled()
    {
        Assert.That(TestLedger.Stored(Pending, filled: "0.1").TryTransitionTo(Rejected, TestLedger.T0), Is.False);
    }

    [Test]
    public void A_partially_filled_order_can_be_cancelled()
    {
        var order = TestLedger.Stored(PartiallyFilled, quantity: "1", filled: "0.4");

        order.TransitionTo(Cancelled, TestLedger.T0);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(order.Status, Is.EqualTo(Cancelled));
            Assert.That(order.FilledQuantity, Is.EqualTo(TestLedger.Q("0.4")));
        }
    }

    [Test]
    public void A_transition_time_is_normalised_to_UTC_microseconds()
    {
        var order = TestLedger.PendingLimitBuy();
        var local = new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234567);

        order.TransitionTo(Open, local);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(order.UpdatedAt.Offset, Is.EqualTo(TimeSpan.Zero));
            Assert.That(order.UpdatedAt, Is.EqualTo(new DateTimeOffset(2024, 3, 1, 8, 0, 0, TimeSpan.Zero).AddTicks(1234560)));
        }
    }

    /// <summary>A filled quantity (of 1) that the target status's own fill rule accepts, so only the table decides.</summary>
    private static string FilledConsistentWith(OrderStatus target) => target switch
    {
        Filled => "1",
        PartiallyFilled => "0.4",
        _ => "0",
    };
}
