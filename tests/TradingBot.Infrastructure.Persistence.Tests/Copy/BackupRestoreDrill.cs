using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Application.Verification;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Copy;

/// <summary>
/// The restore drill: a backup taken from one snapshot while a worker goes on recording fills (order, fill and position
/// in one transaction each), restored into a fresh ledger of the other provider: the same rows as the snapshot, and
/// every invariant holds on both.
/// </summary>
[TestFixture]
public sealed class BackupRestoreDrill
{
    private static readonly ExchangeName Binance = new("BINANCE");
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task A_backup_of_sqlite_taken_during_writes_restores_into_postgres_passing_verify()
    {
        await using var live = TestServers.NewSqliteLedger();
        await using var backup = TestServers.NewSqliteLedger();
        await using var restored = await TestServers.NewPostgresLedgerAsync();
        await DrillAsync(live, backup, restored);
    }

    [Test]
    public async Task A_backup_of_postgres_taken_during_writes_restores_into_sqlite_passing_verify()
    {
        await using var live = await TestServers.NewPostgresLedgerAsync();
        await using var backup = TestServers.NewSqliteLedger();
        await using var restored = TestServers.NewSqliteLedger();
        await DrillAsync(live, backup, restored);
    }

    private static async Task DrillAsync(LedgerTestDatabase live, LedgerTestDatabase backup, LedgerTestDatabase restored)
    {
        await LedgerSample.FundingSnapshotsAsync(live, 3_000); // several chunks to copy while the writer runs
        var writes = 0;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var recordFill = new RecordFill(live.Ledger, new FixedClock(T0.AddMinutes(1)));
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var order = await OpenOrderAsync(live.Ledger, i);
                await recordFill.ExecuteAsync(Fill(order, $"w{i}-1", "0.3"), CancellationToken.None);
                await recordFill.ExecuteAsync(Fill(order, $"w{i}-2", "0.7"), CancellationToken.None);
                Interlocked.Increment(ref writes);
            }
        });

        // The copy waits, after its first chunk, until the writer has committed more: the writes really run during it.
        var atStart = -1;
        var options = new LedgerCopyOptions
        {
            ChunkRows = 1_000,
            Snapshot = true,
            AfterChunk = (_, _) =>
            {
                if (atStart < 0)
                {
                    atStart = Volatile.Read(ref writes);
                    Assert.That(SpinWait.SpinUntil(() => Volatile.Read(ref writes) >= atStart + 3, TimeSpan.FromSeconds(60)), Is.True, "the writer kept writing");
                }
            },
        };
        var taken = await LedgerCopier.CopyAsync(live.Endpoint("live"), backup.Endpoint("backup"), options, CancellationToken.None);
        await stop.CancelAsync();
        await writer;

        var back = await LedgerCopier.CopyAsync(backup.Endpoint("backup"), restored.Endpoint("restored"), new LedgerCopyOptions { Snapshot = true }, CancellationToken.None);
        var liveOrders = await live.ScalarAsync("SELECT COUNT(*) FROM orders");
        var snapshotOrders = taken.Tables.Single(t => t.Source.Table == "orders").Source.Rows;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(taken.Verified, Is.True, string.Join("; ", taken.Differences));
            Assert.That(back.Verified, Is.True, string.Join("; ", back.Differences));
            Assert.That(liveOrders, Is.GreaterThan(snapshotOrders), "the live ledger moved on after the snapshot");
            Assert.That(back.Tables.Select(t => t.Target), Is.EqualTo(taken.Tables.Select(t => t.Source)), "the restored ledger is the snapshot");
            Assert.That(await LedgerCopier.StatusAsync(live.Contexts, CancellationToken.None), Is.EqualTo(new LedgerCopyStatus(null, null, null)), "a backup never fences the live ledger");
            Assert.That(await live.ScalarAsync("SELECT COUNT(*) FROM ledger_transfers"), Is.Zero, "nor writes to it");
            Assert.That((await VerifyAsync(backup)).Violations, Is.Empty);
            Assert.That((await VerifyAsync(restored)).Violations, Is.Empty);
        }
    }

    private static Task<VerificationReport> VerifyAsync(LedgerTestDatabase db) =>
        new VerifyLedger(db.Ledger, db.Integrity, new FixedClock(T0.AddMinutes(2)), OrderTiming.Default).ExecuteAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), CancellationToken.None);

    private static async Task<Order> OpenOrderAsync(IUnitOfWork ledger, int i)
    {
        var symbol = new Symbol(i % 2 == 0 ? "SOLUSDT" : "XRPUSDT");
        var key = IdempotencyKey.For(new TradingIntent("drill", Binance, symbol, T0, $"w{i}"));
        var order = Order.CreatePending(OrderId.New(), Binance, symbol, i % 4 < 2 ? Side.Sell : Side.Buy, OrderType.Market, Quantity.Parse("1"), null, key, T0);
        return await ledger.ExecuteAsync(
            async (s, ct) =>
            {
                await s.Orders.CreateAsync(order, ct);
                order.AssignExchangeOrderId($"{i}", T0);
                order.TransitionTo(OrderStatus.Open, T0);
                await s.Orders.UpdateAsync(order, ct);
                return order;
            },
            CancellationToken.None);
    }

    private static Fill Fill(Order order, string id, string quantity) =>
        new(new ExchangeFillId(id), order.Id, Price.Parse("100"), Quantity.Parse(quantity), new Money(new Asset("USDT"), Amount.Parse("0.01")), T0.AddSeconds(1));

    private sealed class FixedClock(DateTimeOffset now) : IClock
    {
        public DateTimeOffset UtcNow => now;
    }
}
