using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using static TradingBot.Domain.Tests.TestLedger;

namespace TradingBot.Domain.Tests;

public class OrderFills
{
    private static readonly DateTimeOffset Later = T0.AddMinutes(5);

    [Test]
    public void A_new_order_is_pending_with_nothing_filled()
    {
        var order = PendingLimitBuy(quantity: "0.5");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(order.Status, Is.EqualTo(OrderStatus.Pending));
            Assert.That(order.FilledQuantity, Is.EqualTo(Quantity.Zero));
            Assert.That(order.RemainingQuantity, Is.EqualTo(Q("0.5")));
            Assert.That(order.ExchangeOrderId, Is.Null);
            Assert.That(order.CreatedAt, Is.EqualTo(T0));
            Assert.That(order.UpdatedAt, Is.EqualTo(T0));
        }
    }

    [Test]
    public void A_market_order_with_a_limit_price_is_refused()
    {
        Assert.That(
            () => Order.CreatePending(OrderId.New(), Binance, BtcUsdt, Side.Buy, OrderType.Market, Q("1"), P("64000"), Key, T0),
            Throws.ArgumentException.With.Message.Contains("MARKET"));
    }

    [Test]
    public void A_market_order_without_a_limit_price_is_accepted()
    {
        var order = Order.CreatePending(OrderId.New(), Binance, BtcUsdt, Side.Sell, OrderType.Market, Q("1"), null, Key, T0);

        Assert.That(order.LimitPrice, Is.Null);
    }

    [TestCase(OrderType.Limit, "LIMIT")]
    [TestCase(OrderType.Ioc, "IOC")]
    [TestCase(OrderType.Fok, "FOK")]
    public void A_priced_order_type_without_a_limit_price_is_refused(OrderType type, string code)
    {
        Assert.That(
            () => Order.CreatePending(OrderId.New(), Binance, BtcUsdt, Side.Buy, type, Q("1"), null, Key, T0),
            Throws.ArgumentException.With.Message.Contains(code));
    }

    [Test]
    public void A_zero_quantity_order_is_refused()
    {
        Assert.That(
            () => Order.CreatePending(OrderId.New(), Binance, BtcUsdt, Side.Buy, OrderType.Limit, Quantity.Zero, P("64000"), Key, T0),
            Throws.ArgumentException.With.Message.Contains("greater than zero"));
    }

    [Test]
    public void A_fill_with_zero_quantity_is_refused()
    {
        Assert.That(
            () => new Fill(NextFillId(), OrderId.New(), P("1"), Quantity.Zero, Money.Parse("0", Usdt), T0),
            Throws.ArgumentException);
    }

    [Test]
    public void A_first_partial_fill_makes_the_order_partially_filled()
    {
        var order = PendingLimitBuy(quantity: "1");

        var result = order.ApplyFill(Fill(order.Id, "0.4", "64000"), Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(FillApplication.Applied));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("0.4")));
            Assert.That(order.RemainingQuantity, Is.EqualTo(Q("0.6")));
            Assert.That(order.UpdatedAt, Is.EqualTo(Later));
        }
    }

    [Test]
    public void The_fill_that_completes_the_quantity_makes_the_order_filled()
    {
        var order = PendingLimitBuy(quantity: "1");
        order.ApplyFill(Fill(order.Id, "0.4", "64000"), Later);

        var result = order.ApplyFill(Fill(order.Id, "0.6", "63999.5"), Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(FillApplication.Applied));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("1")));
            Assert.That(order.RemainingQuantity, Is.EqualTo(Quantity.Zero));
        }
    }

    [Test]
    public void A_single_fill_of_the_whole_quantity_goes_straight_to_filled()
    {
        var order = Stored(OrderStatus.Open, quantity: "2");

        order.ApplyFill(Fill(order.Id, "2", "64000"), Later);

        Assert.That(order.Status, Is.EqualTo(OrderStatus.Filled));
    }

    [Test]
    public void An_over_fill_is_refused_and_changes_nothing()
    {
        var order = PendingLimitBuy(quantity: "1");
        order.ApplyFill(Fill(order.Id, "0.7", "64000"), Later);

        var result = order.ApplyFill(Fill(order.Id, "0.30000001", "64000"), Later.AddMinutes(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(FillApplication.OverFillRefused));
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("0.7")));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(order.UpdatedAt, Is.EqualTo(Later));
        }
    }

    [Test]
    public void A_fill_on_a_filled_order_is_an_over_fill()
    {
        var order = Stored(OrderStatus.Filled, quantity: "1", filled: "1");

        var result = order.ApplyFill(Fill(order.Id, "0.00000001", "64000"), Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(FillApplication.OverFillRefused));
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("1")));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.Filled));
        }
    }

    [Test]
    public void The_same_exchange_fill_id_applied_twice_is_a_duplicate_and_a_no_op()
    {
        var order = PendingLimitBuy(quantity: "1");
        var fill = Fill(order.Id, "0.4", "64000");
        order.ApplyFill(fill, Later);

        var result = order.ApplyFill(fill, Later.AddMinutes(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(FillApplication.Duplicate));
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("0.4")));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(order.UpdatedAt, Is.EqualTo(Later));
        }
    }

    [Test]
    public void A_redelivered_fill_id_is_a_duplicate_even_when_its_other_fields_differ()
    {
        var order = PendingLimitBuy(quantity: "1");
        var id = new ExchangeFillId("BINANCE:BTCUSDT:42");
        order.ApplyFill(Fill(order.Id, "0.4", "64000", id: id), Later);

        var result = order.ApplyFill(Fill(order.Id, "0.6", "64001", id: id), Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(FillApplication.Duplicate));
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("0.4")));
        }
    }

    [Test]
    public void Fill_ids_known_from_storage_are_duplicates_after_rehydration()
    {
        var id = new ExchangeFillId("BINANCE:BTCUSDT:7");
        var order = Order.Rehydrate(
            OrderId.New(), Binance, BtcUsdt, Side.Buy, OrderType.Limit, Q("1"), P("64000"), Key,
            OrderStatus.PartiallyFilled, "9001", Q("0.4"), T0, T0, [id]);

        var result = order.ApplyFill(Fill(order.Id, "0.4", "64000", id: id), Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(FillApplication.Duplicate));
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("0.4")));
        }
    }

    [Test]
    public void A_fill_for_another_order_throws()
    {
        var order = PendingLimitBuy();

        Assert.That(() => order.ApplyFill(Fill(OrderId.New(), "0.1", "64000"), Later), Throws.ArgumentException);
    }

    [Test]
    public void A_fill_for_another_order_changes_nothing()
    {
        var order = PendingLimitBuy();

        try
        {
            order.ApplyFill(Fill(OrderId.New(), "0.1", "64000"), Later);
        }
        catch (ArgumentException)
        {
            // expected
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(order.FilledQuantity, Is.EqualTo(Quantity.Zero));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.Pending));
        }
    }

    [Test]
    public void A_late_fill_on_a_cancelled_order_is_recorded_but_the_order_stays_cancelled()
    {
        var order = Stored(OrderStatus.Cancelled, quantity: "1", filled: "0.4");

        var result = order.ApplyFill(Fill(order.Id, "0.1", "64000"), Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(FillApplication.Applied));
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("0.5")));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.Cancelled));
        }
    }

    [Test]
    public void A_late_fill_that_completes_a_cancelled_order_leaves_it_cancelled()
    {
        var order = Stored(OrderStatus.Cancelled, quantity: "1", filled: "0.4");

        order.ApplyFill(Fill(order.Id, "0.6", "64000"), Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("1")));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.Cancelled));
        }
    }

    [Test]
    public void A_fill_of_an_order_judged_never_placed_is_taken_and_corrects_its_status()
    {
        var order = Stored(OrderStatus.Rejected, quantity: "1");

        var result = order.ApplyFill(Fill(order.Id, "0.1", "64000"), Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(FillApplication.Applied));
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("0.1")));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.PartiallyFilled));
            Assert.That(order.UpdatedAt, Is.EqualTo(Later));
        }
    }

    [Test]
    public void A_rejected_order_the_exchange_shows_may_become_open_or_cancelled_but_nothing_else()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Stored(OrderStatus.Rejected).TryTransitionTo(OrderStatus.Open, Later), Is.True);
            Assert.That(Stored(OrderStatus.Rejected).TryTransitionTo(OrderStatus.Cancelled, Later), Is.True);
            Assert.That(Stored(OrderStatus.Rejected).TryTransitionTo(OrderStatus.Pending, Later), Is.False);
            Assert.That(Stored(OrderStatus.Rejected).TryTransitionTo(OrderStatus.Filled, Later), Is.False);
        }
    }

    [Test]
    public void An_external_order_grows_with_its_fills_and_stays_filled()
    {
        var order = Order.CreateExternal(OrderId.New(), Binance, BtcUsdt, Side.Sell, OrderType.Market, Q("0.004"), null, "77", T0);

        var first = order.ApplyFill(Fill(order.Id, "0.004", "64000"), Later);
        var second = order.ApplyFill(Fill(order.Id, "0.006", "64001"), Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(order.IsExternal, Is.True);
            Assert.That(order.IdempotencyKey.Value, Is.EqualTo("EXT:BINANCE:BTCUSDT:77"));
            Assert.That(order.ExchangeOrderId, Is.EqualTo("BINANCE:BTCUSDT:77"));
            Assert.That((first, second), Is.EqualTo((FillApplication.Applied, FillApplication.Applied)));
            Assert.That(order.Quantity, Is.EqualTo(Q("0.01")));
            Assert.That(order.FilledQuantity, Is.EqualTo(Q("0.01")));
            Assert.That(order.Status, Is.EqualTo(OrderStatus.Filled));
        }
    }

    [Test]
    public void An_order_the_ledger_placed_still_refuses_an_over_fill()
    {
        var order = Stored(OrderStatus.Open, quantity: "1");

        Assert.That(order.ApplyFill(Fill(order.Id, "1.5", "64000"), Later), Is.EqualTo(FillApplication.OverFillRefused));
    }

    [Test]
    public void A_refused_fill_id_is_not_remembered_as_applied()
    {
        var order = PendingLimitBuy(quantity: "1");
        var id = new ExchangeFillId("BINANCE:BTCUSDT:99");
        order.ApplyFill(Fill(order.Id, "2", "64000", id: id), Later);

        var result = order.ApplyFill(Fill(order.Id, "1", "64000", id: id), Later);

        Assert.That(result, Is.EqualTo(FillApplication.Applied));
    }

    [Test]
    public void The_exchange_order_id_is_recorded_once_known_qualified_with_exchange_and_symbol()
    {
        var order = PendingLimitBuy();

        order.AssignExchangeOrderId("8389765", Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(order.ExchangeOrderId, Is.EqualTo("BINANCE:BTCUSDT:8389765"));
            Assert.That(order.UpdatedAt, Is.EqualTo(Later));
        }
    }

    [Test]
    public void Assigning_the_same_exchange_order_id_again_is_a_no_op()
    {
        var order = PendingLimitBuy();
        order.AssignExchangeOrderId("8389765", Later);

        order.AssignExchangeOrderId("8389765", Later.AddMinutes(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(order.ExchangeOrderId, Is.EqualTo("BINANCE:BTCUSDT:8389765"));
            Assert.That(order.UpdatedAt, Is.EqualTo(Later));
        }
    }

    [Test]
    public void The_exchange_order_id_cannot_change_once_set()
    {
        var order = PendingLimitBuy();
        order.AssignExchangeOrderId("8389765", Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => order.AssignExchangeOrderId("1111111", Later), Throws.InvalidOperationException);
            Assert.That(order.ExchangeOrderId, Is.EqualTo("BINANCE:BTCUSDT:8389765"));
        }
    }

    [Test]
    public void The_exchange_order_id_from_storage_cannot_be_changed()
    {
        var order = Stored(OrderStatus.Open, exchangeOrderId: "BINANCE:BTCUSDT:8389765");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => order.AssignExchangeOrderId("1111111", Later), Throws.InvalidOperationException);
            Assert.That(() => order.AssignExchangeOrderId("8389765", Later), Throws.Nothing, "the same id, as the exchange reports it");
        }
    }

    [Test]
    public void An_empty_exchange_order_id_is_refused()
    {
        Assert.That(() => PendingLimitBuy().AssignExchangeOrderId(string.Empty, Later), Throws.ArgumentException);
    }

    [Test]
    public void Rehydrating_an_order_filled_beyond_its_quantity_is_refused()
    {
        Assert.That(() => Stored(OrderStatus.Filled, quantity: "1", filled: "1.00000001"), Throws.ArgumentException);
    }

    [Test]
    public void Rehydrating_an_order_with_an_empty_exchange_order_id_is_refused()
    {
        Assert.That(() => Stored(OrderStatus.Open, exchangeOrderId: string.Empty), Throws.ArgumentException);
    }
}
