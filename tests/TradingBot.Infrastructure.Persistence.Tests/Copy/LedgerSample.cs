using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Persistence.Rows;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Copy;

/// <summary>
/// A ledger with a row in every table and the values a copy gets wrong first: times with microseconds, NULL in every
/// nullable column, integers at the edge of 64 bits, JSON whose keys are out of order with escapes, unicode and numbers
/// written two ways, an external fill without an order, and enough funding snapshots for several chunks.
/// </summary>
internal static class LedgerSample
{
    public static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero).AddTicks(1_234_560); // .123456

    public static async Task FillAsync(LedgerTestDatabase db, int fundingSnapshots)
    {
        await using var ctx = await db.Contexts.CreateDbContextAsync();
        var filled = new OrderRow
        {
            Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "BTCUSDT", Side = "SELL", Type = "MARKET", QuantityBase = 50_000_000, PriceQuote = null,
            Status = "FILLED", ExchangeOrderId = "BINANCE:BTCUSDT:8389765537", IdempotencyKey = "funding-harvest|BINANCE|BTCUSDT|open|é", FilledQuantityBase = 50_000_000,
            CreatedAt = T0, UpdatedAt = T0.AddTicks(10), SendDeadline = T0.AddSeconds(5), NeverPlacedAfter = T0.AddSeconds(65),
        };
        var pending = new OrderRow
        {
            Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "ETHUSDT", Side = "BUY", Type = "LIMIT", QuantityBase = long.MaxValue, PriceQuote = 1,
            Status = "PENDING", ExchangeOrderId = null, IdempotencyKey = null, FilledQuantityBase = 0,
            CreatedAt = null, UpdatedAt = null, SendDeadline = null, NeverPlacedAfter = null,
        };
        ctx.Orders.AddRange(filled, pending);
        ctx.Fills.AddRange(
            new FillRow { Id = Guid.NewGuid(), OrderId = filled.Id, ExchangeFillId = "BINANCE:BTCUSDT:1", PriceQuote = 6_400_012_345_678, QuantityBase = 50_000_000, FeeQuote = -1, FeeAsset = "USDT", FilledAt = T0.AddTicks(30), PositionSequence = 1, RealizedPnlQuote = long.MinValue, CreatedAt = T0 },
            new FillRow { Id = Guid.NewGuid(), OrderId = null, ExchangeFillId = "EXT:BINANCE:BTCUSDT:2", PriceQuote = 1, QuantityBase = long.MaxValue, FeeQuote = long.MinValue, FeeAsset = "BNB", FilledAt = T0.AddDays(1), PositionSequence = long.MaxValue, CreatedAt = null });
        ctx.Positions.AddRange(
            new PositionRow { Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "BTCUSDT", NetQuantityBase = -50_000_000, EntryNotionalQuote = 3_200_006_172_839, RealizedPnlQuote = long.MinValue, FeesPaidQuote = 1, FundingQuote = -12_345, FillCount = 1, LastFilledAt = T0.AddTicks(30), Version = 7, UpdatedAt = T0, CreatedAt = null },
            new PositionRow { Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "ETHUSDT", NetQuantityBase = 0, EntryNotionalQuote = 0, RealizedPnlQuote = long.MaxValue, FeesPaidQuote = 0, FundingQuote = 0, FillCount = 0, Version = 1, UpdatedAt = null, CreatedAt = T0 });
        AddFundingSnapshots(ctx, fundingSnapshots);
        ctx.PnlDays.AddRange(
            new PnlDayRow { Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "BTCUSDT", UtcDay = new DateTimeOffset(T0.UtcDateTime.Date, TimeSpan.Zero), TradingPnlQuote = long.MinValue, FeesPaidQuote = -1, FundingQuote = long.MaxValue },
            new PnlDayRow { Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "ETHUSDT", UtcDay = new DateTimeOffset(T0.UtcDateTime.Date, TimeSpan.Zero).AddDays(1), TradingPnlQuote = 0, FeesPaidQuote = 0, FundingQuote = 0 });

        ctx.FundingPayments.Add(new FundingPaymentRow { Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "BTCUSDT", ExchangePaymentId = "BINANCE:FUNDING:1", AmountQuote = -987_654_321, Asset = "USDT", PaidAt = T0.AddHours(8), CreatedAt = T0 });
        ctx.StateSnapshots.Add(new StateSnapshotRow
        {
            Id = Guid.NewGuid(), ReconciledAt = T0.AddMinutes(1), CreatedAt = null,
            Snapshot = """{"z": [1, 2.50, {"b": "caf\u00e9 \"quoted\"", "a": null}], "a": true, "n": 1e2, "big": 123456789012345678901234567890}""",
        });
        ctx.AuditLog.AddRange(
            new AuditLogRow { Id = Guid.NewGuid(), EventType = "DECISION", EventData = """{"reason":"funding 0.0100%","symbols":["BTCUSDT","ETHUSDT"],"nested":{"y":1,"x":[]}}""", CreatedAt = T0 },
            new AuditLogRow { Id = Guid.NewGuid(), EventType = "ERROR", EventData = "{}", CreatedAt = null });
        ctx.SymbolHalts.Add(new SymbolHaltRow { Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "ETHUSDT", Reason = "POSITION_DIFFERS", Detail = "ledger 0, exchange -0.5 ✓", HaltedAt = T0, HaltedUntil = null, ReleasedAt = null, Version = 2, CreatedAt = T0, UpdatedAt = null });
        await ctx.SaveChangesAsync();
    }

    /// <summary>Funding snapshots only: a ledger whose invariants hold, with rows enough for several chunks.</summary>
    public static async Task FundingSnapshotsAsync(LedgerTestDatabase db, int count)
    {
        await using var ctx = await db.Contexts.CreateDbContextAsync();
        AddFundingSnapshots(ctx, count);
        await ctx.SaveChangesAsync();
    }

    private static void AddFundingSnapshots(LedgerDbContext ctx, int count)
    {
        for (var i = 0; i < count; i++)
        {
            ctx.FundingSnapshots.Add(new FundingSnapshotRow
            {
                Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = i % 2 == 0 ? "BTCUSDT" : "ETHUSDT", FundingRateBps = i % 7 - 3,
                MarkPriceQuote = 6_400_000_000_000 + i, IndexPriceQuote = 6_399_999_999_999 - i, SnapshotAt = T0.AddSeconds(i).AddTicks(i % 10 * 10), CreatedAt = i % 3 == 0 ? null : T0,
            });
        }
    }

    /// <summary>Every row of every table in the canonical form, per table, sorted: two ledgers with equal lists hold the same data.</summary>
    public static async Task<Dictionary<string, List<string>>> CanonicalRowsAsync(LedgerTestDatabase db)
    {
        await using var ctx = await db.Contexts.CreateDbContextAsync();
        var tables = new Dictionary<string, List<string>>();
        await Add<OrderRow>();
        await Add<FillRow>();
        await Add<PositionRow>();
        await Add<FundingSnapshotRow>();
        await Add<FundingPaymentRow>();
        await Add<StateSnapshotRow>();
        await Add<AuditLogRow>();
        await Add<SymbolHaltRow>();
        await Add<PnlDayRow>();
        Assert.That(tables, Has.Count.EqualTo(LedgerDigest.RowTypes.Count), "the sample covers every table a copy carries");
        return tables;

        async Task Add<TRow>()
            where TRow : class
        {
            var table = Writes.LedgerTable.For<TRow>(ctx);
            var rows = await ctx.Set<TRow>().AsNoTracking().ToListAsync();
            tables[table.RawName] = [.. rows.Select(r => LedgerCanonicalForm.Row(table, r)).Order(StringComparer.Ordinal)];
        }
    }
}
