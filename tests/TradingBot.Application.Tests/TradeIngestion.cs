using Moq;
using TradingBot.Application.Orders;
using TradingBot.Application.Tests.Support;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Application.Tests;

public class TradeIngestion : LedgerTestBase
{
    private Task<Orders.TradeIngestion> Ingest() => NewIngestTrades().ExecuteAsync(BtcUsdt, Start.AddHours(-1), CancellationToken.None);

    [Test]
    public async Task Trades_delivered_twice_and_out_of_order_are_recorded_exactly_once_each()
    {
        var order = SeedOpen("open", "8801", quantity: "1");
        var key = order.IdempotencyKey.Value;
        var early = Trade("PAPER-T1", "8801", key, Side.Buy, "64000", "0.4", Start.AddMinutes(1));
        var late = Trade("PAPER-T2", "8801", key, Side.Buy, "64100", "0.6", Start.AddMinutes(2));
        Exchange
            .SetupSequence(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([late, early])
            .ReturnsAsync([early, late]);

        var first = await Ingest();
        var second = await Ingest();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.EqualTo(new Orders.TradeIngestion(Recorded: 2, Duplicates: 0, Foreign: 0, Refused: 0)));
            Assert.That(second, Is.EqualTo(new Orders.TradeIngestion(Recorded: 0, Duplicates: 2, Foreign: 0, Refused: 0)));
            Assert.That(Ledger.Fills.Select(f => f.Fill.ExchangeFillId.Value), Is.EquivalentTo<string>(["PAPER-T1", "PAPER-T2"]));
            Assert.That(StoredOrder(order.Id).Status, Is.EqualTo(OrderStatus.Filled));
            Assert.That(StoredPosition()!.NetQuantity, Is.EqualTo(Amount.Parse("1")));
            Assert.That(StoredPosition()!.FillCount, Is.EqualTo(2));
            Assert.That(AuditOf(AuditEventType.Fill), Has.Count.EqualTo(2));
        }
    }

    [Test]
    public async Task A_trade_is_matched_to_its_order_by_client_order_id()
    {
        // The exchange id never reached the ledger (the order is still PENDING); the key is enough.
        var order = SeedPending("open", Start.AddMinutes(-5), quantity: "1");
        ExchangeReportsTrades(Trade("PAPER-T1", "8801", order.IdempotencyKey.Value, Side.Buy, "64000", "0.25", Start));

        var ingestion = await Ingest();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ingestion.Recorded, Is.EqualTo(1));
            Assert.That(Ledger.Fills.Single().Fill.OrderId, Is.EqualTo(order.Id));
            Assert.That(StoredOrder(order.Id).FilledQuantity, Is.EqualTo(Quantity.Parse("0.25")));
        }
    }

    [TestCase(null)]
    [TestCase("web_3fa1c2d9")]
    [TestCase("not a ledger key!")]
    public async Task A_trade_whose_client_order_id_names_no_ledger_order_is_matched_by_exchange_order_id(string? clientOrderId)
    {
        var order = SeedOpen("open", "8801", quantity: "1");
        ExchangeReportsTrades(Trade("PAPER-T1", "8801", clientOrderId, Side.Buy, "64000", "0.25", Start));

        var ingestion = await Ingest();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ingestion, Is.EqualTo(new Orders.TradeIngestion(Recorded: 1, Duplicates: 0, Foreign: 0, Refused: 0)));
            Assert.That(Ledger.Fills.Single().Fill.OrderId, Is.EqualTo(order.Id));
        }
    }

    [Test]
    public async Task A_foreign_trade_is_audited_once_when_the_commit_answer_was_lost()
    {
        SeedOpen("open", "8801", quantity: "1");
        ExchangeReportsTrades(Trade("PAPER-T9", "9999", "web_manual", Side.Sell, "64000", "0.1", Start));
        Ledger.LoseEveryCommitAnswer = true;

        var ingestion = await Ingest();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ingestion.Foreign, Is.EqualTo(1));
            Assert.That(AuditOf(AuditEventType.Error).Select(e => e.Data["exchange_fill_id"]), Is.EqualTo((string[])["PAPER-T9"]));
        }
    }

    [Test]
    public async Task A_foreign_trade_fetched_again_in_later_cycles_is_counted_each_time_and_audited_once()
    {
        SeedOpen("open", "8801", quantity: "1");
        var foreign = Trade("PAPER-T9", "9999", "web_manual", Side.Sell, "64000", "0.1", Start);
        var other = Trade("PAPER-T10", "9998", "web_manual", Side.Sell, "64000", "0.1", Start.AddMinutes(1));
        Exchange
            .SetupSequence(e => e.GetTradesAsync(BtcUsdt, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([foreign])
            .ReturnsAsync([foreign, other])
            .ReturnsAsync([foreign, other]);

        var cycles = new[] { await Ingest(), await Ingest(), await Ingest() };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(cycles.Select(c => c.Foreign), Is.EqualTo((int[])[1, 2, 2]));
            Assert.That(AuditOf(AuditEventType.Error).Select(e => e.Data["exchange_fill_id"]), Is.EquivalentTo((string[])["PAPER-T9", "PAPER-T10"]));
        }
    }

    [Test]
    public async Task A_trade_of_an_order_the_ledger_did_not_place_is_counted_foreign_and_audited_as_an_error()
    {
        SeedOpen("open", "8801", quantity: "1");
        ExchangeReportsTrades(Trade("PAPER-T9", "9999", "web_manual", Side.Sell, "64000", "0.1", Start));

        var ingestion = await Ingest();

        var error = AuditOf(AuditEventType.Error).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ingestion, Is.EqualTo(new Orders.TradeIngestion(Recorded: 0, Duplicates: 0, Foreign: 1, Refused: 0)));
            Assert.That(Ledger.Fills, Is.Empty);
            Assert.That(StoredPosition(), Is.Null);
            Assert.That(error.Data["exchange_fill_id"], Is.EqualTo("PAPER-T9"));
            Assert.That(error.Data["exchange_order_id"], Is.EqualTo("9999"));
            Assert.That(error.Data["error"], Does.Contain("did not place"));
        }
    }

    [Test]
    public async Task A_trade_that_would_over_fill_its_order_is_counted_refused_and_audited_as_an_error()
    {
        var order = SeedOpen("open", "8801", quantity: "0.5");
        ExchangeReportsTrades(
            Trade("PAPER-T1", "8801", order.IdempotencyKey.Value, Side.Buy, "64000", "0.5", Start),
            Trade("PAPER-T2", "8801", order.IdempotencyKey.Value, Side.Buy, "64000", "0.1", Start.AddSeconds(1)));

        var ingestion = await Ingest();

        var error = AuditOf(AuditEventType.Error).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ingestion, Is.EqualTo(new Orders.TradeIngestion(Recorded: 1, Duplicates: 0, Foreign: 0, Refused: 1)));
            Assert.That(Ledger.Fills.Select(f => f.Fill.ExchangeFillId.Value), Is.EqualTo<string[]>(["PAPER-T1"]));
            Assert.That(error.Data["exchange_fill_id"], Is.EqualTo("PAPER-T2"));
            Assert.That(error.Data["error"], Does.Contain("Refused"));
        }
    }
}
