using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence.Repositories;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>
/// The repositories' own queries (the EF Core LINQ the worker and <c>report</c> run, with their parameters) use the
/// index each is meant for, on each provider, over enough rows that a scan would lose: the 24h funding series, the
/// fills of one order, the orders of a status, a window of per-day PnL and the start-up's look for fills without a realized PnL.
/// </summary>
public abstract class RepositoryQueryPlans
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private LedgerTestDatabase _db = null!;

    protected abstract Task<LedgerTestDatabase> CreateAsync();

    /// <summary>
    /// 60,000 funding snapshots per symbol for 5 symbols, one a minute back from now (the worker's default
    /// Worker:FundingSnapshotInterval: 24 hours are 1,440 of a symbol's 42 days, as a bot's series holds them, not a third
    /// of the table); 100,000 orders, 1 in 5,000 OPEN, PENDING or PARTIALLY_FILLED, each FILLED one with a fill.
    /// </summary>
    protected abstract string SeedSql { get; }

    protected abstract string ExplainPrefix { get; }

    /// <summary>A pattern the plan matches when the named index serves the query.</summary>
    protected abstract string UsesIndex(string index, string table);

    /// <summary>A pattern the plan matches when the table is scanned whole.</summary>
    protected abstract string ScansWhole(string table);

    // Seeded once per provider: the tests only read.
    [OneTimeSetUp]
    public async Task SeedAsync()
    {
        _db = await CreateAsync();
        await _db.ExecuteAsync(SeedSql);
    }

    [OneTimeTearDown]
    public async Task DropAsync() => await _db.DisposeAsync();

    [Test]
    public async Task The_24h_funding_series_query_uses_the_exchange_symbol_time_index()
    {
        await using var context = await _db.Contexts.CreateDbContextAsync();

        var plan = await ExplainAsync(context, FundingSnapshotRepository.RangeQuery(context, "BINANCE", "BTCUSDT", Now.AddHours(-24), Now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM funding_snapshots"), Is.EqualTo(300_000));
            Assert.That(plan, Does.Match(UsesIndex("idx_funding_snapshots_symbol_snapshot_at", "funding_snapshots")), plan);
            Assert.That(plan, Does.Not.Match(ScansWhole("funding_snapshots")), plan);
            Assert.That(plan, Does.Not.Contain("TEMP B-TREE"), "SQLite reads the index newest first, not sorting: " + plan);
        }
    }

    [Test]
    public async Task The_fills_of_an_order_query_uses_the_order_id_index()
    {
        await using var context = await _db.Contexts.CreateDbContextAsync();
        var orderId = await context.Fills.AsNoTracking().OrderBy(f => f.ExchangeFillId).Select(f => f.OrderId).FirstAsync();

        var plan = await ExplainAsync(context, FillRepository.ByOrderQuery(context, orderId!.Value));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan, Does.Match(UsesIndex("idx_fills_order_id", "fills")), plan);
            Assert.That(plan, Does.Not.Match(ScansWhole("fills")), plan);
        }
    }

    [Test]
    public async Task Which_trades_are_stored_is_read_through_an_exchange_fill_id_index()
    {
        await using var context = await _db.Contexts.CreateDbContextAsync();
        var ids = await context.Fills.AsNoTracking().OrderBy(f => f.ExchangeFillId).Select(f => f.ExchangeFillId).Take(3).ToListAsync();

        var plan = await ExplainAsync(context, FillRepository.StoredOfQuery(context, [.. ids, "PAPER:BTCUSDT:not-stored"]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan, Does.Match(UsesIndex("(fills_exchange_fill_id_key|idx_fills_exchange_fill_id)", "fills")), plan);
            Assert.That(plan, Does.Not.Match(ScansWhole("fills")), plan);
        }
    }

    [Test]
    public async Task The_open_and_pending_order_queries_use_the_status_indexes()
    {
        await using var context = await _db.Contexts.CreateDbContextAsync();

        var open = await ExplainAsync(context, OrderRepository.OpenOrdersQuery(context));
        var pending = await ExplainAsync(context, OrderRepository.PendingOrdersQuery(context));

        using (Assert.EnterMultipleScope())
        {
            // The ADR's idx_orders_status (OPEN and PENDING) by its whole name, and the ledger's own for PARTIALLY_FILLED.
            Assert.That(open, Does.Match(UsesIndex("idx_orders_status", "orders")), open);
            Assert.That(open, Does.Match(UsesIndex("idx_orders_status_partially_filled", "orders")), open);
            Assert.That(open, Does.Not.Match(ScansWhole("orders")), open);
            Assert.That(pending, Does.Match(UsesIndex("idx_orders_status", "orders")), pending);
            Assert.That(pending, Does.Not.Match(ScansWhole("orders")), pending);
        }
    }

    [Test]
    public async Task Verifys_batches_of_orders_and_their_fills_come_in_order_through_the_keys_without_a_sort()
    {
        await using var context = await _db.Contexts.CreateDbContextAsync();
        var ids = await context.Orders.AsNoTracking().OrderBy(o => o.Id).Select(o => o.Id).Skip(50_000).Take(OrderRepository.OrdersPerBatch + 1).ToListAsync();

        var orders = await ExplainAsync(context, OrderRepository.OrdersAfterQuery(context, ids[0], OrderRepository.OrdersPerBatch));
        var fills = await ExplainAsync(context, OrderRepository.FillsOfQuery(context, ids[1], ids[^1]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(orders, Does.Match(UsesIndex(OrdersKey, "orders")), orders);
            Assert.That(orders, Does.Not.Match(ScansWhole("orders")), orders);
            Assert.That(orders, Does.Not.Match(Sorts), orders);
            Assert.That(fills, Does.Match(UsesIndex("idx_fills_order_id", "fills")), fills);
            Assert.That(fills, Does.Not.Match(ScansWhole("fills")), fills);
            Assert.That(fills, Does.Not.Match(Sorts), fills);
        }
    }

    [Test]
    public async Task A_window_of_pnl_days_is_read_through_a_pnl_days_index()
    {
        await using var context = await _db.Contexts.CreateDbContextAsync();
        var today = new DateTimeOffset(Now.UtcDateTime.Date, TimeSpan.Zero);

        var plan = await ExplainAsync(context, PnlDayRepository.RangeQuery(context, "BINANCE", today.AddDays(-30), today.AddDays(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM pnl_days"), Is.EqualTo(10_960));
            Assert.That(plan, Does.Match(UsesIndex("(idx_pnl_days_exchange_utc_day|pnl_days_exchange_symbol_utc_day_key)", "pnl_days")), plan);
            Assert.That(plan, Does.Not.Match(ScansWhole("pnl_days")), plan);
        }
    }

    [Test]
    public async Task The_start_ups_check_for_fills_without_realized_pnl_reads_only_the_index_of_those()
    {
        await using var context = await _db.Contexts.CreateDbContextAsync();

        var plan = await ExplainAsync(context, LedgerMigrator.WithoutRealizedPnl(context));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await _db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.GreaterThan(90_000));
            Assert.That(plan, Does.Contain("idx_fills_realized_pnl_unknown"), plan);
            // SQLite scans the partial index (SCAN f USING INDEX ...): only a bare SCAN, or Postgres's Seq Scan, reads the table.
            Assert.That(plan, Does.Not.Match(@"(?m)^SCAN \w+$|Seq Scan on fills\b"), plan);
        }
    }

    /// <summary>The name of the orders' primary key index on this provider.</summary>
    protected abstract string OrdersKey { get; }

    /// <summary>A pattern the plan matches when it sorts rows rather than reading them in an index's order.</summary>
    protected abstract string Sorts { get; }

    // The query's own command, EF Core's text and parameters, explained on the context's connection.
    private async Task<string> ExplainAsync<T>(LedgerDbContext context, IQueryable<T> query)
    {
        await context.Database.OpenConnectionAsync();
        await using DbCommand command = query.CreateDbCommand();
        command.CommandText = ExplainPrefix + command.CommandText;
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(reader.FieldCount - 1));
        }

        // The query first, for the reader of a failure; its text never starts a line with a plan's words.
        return "query: " + command.CommandText[ExplainPrefix.Length..].ReplaceLineEndings(" ") + "\n" + string.Join('\n', lines);
    }

    [TestFixture]
    public sealed class OnSqlite : RepositoryQueryPlans
    {
        protected override Task<LedgerTestDatabase> CreateAsync() => Task.FromResult(TestServers.NewSqliteLedger());

        protected override string ExplainPrefix => "EXPLAIN QUERY PLAN ";

        // EF Core gives each table an alias (funding_snapshots AS f); one table per query here.
        protected override string UsesIndex(string index, string table) => $@"SEARCH \w+ USING (COVERING )?INDEX {index} \(";

        protected override string ScansWhole(string table) => @"(?m)^SCAN \w+";

        protected override string OrdersKey => "sqlite_autoindex_orders_1";

        protected override string Sorts => "TEMP B-TREE";

        protected override string SeedSql => """
            WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 60000),
                 s(symbol) AS (VALUES ('BTCUSDT'), ('ETHUSDT'), ('SOLUSDT'), ('BNBUSDT'), ('XRPUSDT'))
            INSERT INTO funding_snapshots (id, exchange, symbol, funding_rate_bps, mark_price_quote, index_price_quote, snapshot_at, created_at)
            SELECT lower(hex(randomblob(16))), 'BINANCE', symbol, (n % 2000) - 1000, 6400000000000 + n, 6400000000000,
                   strftime('%Y-%m-%d %H:%M:%S.000000', 'now', '-' || (n * 60) || ' seconds'), strftime('%Y-%m-%d %H:%M:%S.000000', 'now')
            FROM g, s;
            WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100000)
            INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, idempotency_key, filled_quantity_base, created_at, updated_at)
            SELECT printf('%08x-0000-4000-8000-%012x', n, n), 'BINANCE', 'BTCUSDT', 'SELL', 'MARKET', 100000000,
                   CASE n % 5000 WHEN 0 THEN 'OPEN' WHEN 1 THEN 'PENDING' WHEN 2 THEN 'PARTIALLY_FILLED' ELSE 'FILLED' END,
                   'tb-' || n, CASE n % 5000 WHEN 0 THEN 0 WHEN 1 THEN 0 WHEN 2 THEN 50000000 ELSE 100000000 END,
                   strftime('%Y-%m-%d %H:%M:%S.000000', 'now', '-' || n || ' seconds'), strftime('%Y-%m-%d %H:%M:%S.000000', 'now')
            FROM g;
            INSERT INTO fills (id, order_id, exchange_fill_id, price_quote, quantity_base, fee_quote, fee_asset, filled_at, position_sequence, realized_pnl_quote, created_at)
            SELECT printf('%08x-0000-4000-9000-%012x', rowid, rowid), id, 'F-' || idempotency_key, 6400000000000, 100000000, 0, 'USDT', created_at, rowid, 0, created_at
            FROM orders WHERE status = 'FILLED';
            WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 1095),
                 s(symbol) AS (VALUES ('BTCUSDT'), ('ETHUSDT'), ('SOLUSDT'), ('BNBUSDT'), ('XRPUSDT')),
                 e(exchange) AS (VALUES ('BINANCE'), ('PAPER'))
            INSERT INTO pnl_days (id, exchange, symbol, utc_day, trading_pnl_quote, fees_paid_quote, funding_quote)
            SELECT lower(hex(randomblob(16))), exchange, symbol, strftime('%Y-%m-%d 00:00:00.000000', 'now', '-' || n || ' days'), n, 1, 0
            FROM g, s, e;
            ANALYZE;
            """;
    }

    [TestFixture]
    public sealed class OnPostgres : RepositoryQueryPlans
    {
        protected override Task<LedgerTestDatabase> CreateAsync() => TestServers.NewPostgresLedgerAsync();

        protected override string ExplainPrefix => "EXPLAIN ";

        protected override string UsesIndex(string index, string table) => $@"(Index (Only )?Scan( Backward)? using {index} on {table}|Bitmap Index Scan on {index})\b";

        protected override string ScansWhole(string table) => $@"Seq Scan on {table}\b";

        protected override string OrdersKey => "orders_pkey";

        protected override string Sorts => @"\bSort\b";

        protected override string SeedSql => """
            INSERT INTO funding_snapshots (id, exchange, symbol, funding_rate_bps, mark_price_quote, index_price_quote, snapshot_at)
            SELECT gen_random_uuid(), 'BINANCE', s, (g % 2000) - 1000, 6400000000000 + g, 6400000000000, NOW() - (g * 60 || ' seconds')::interval
            FROM generate_series(1, 60000) g, unnest(ARRAY['BTCUSDT','ETHUSDT','SOLUSDT','BNBUSDT','XRPUSDT']) s;
            INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, idempotency_key, filled_quantity_base, created_at)
            SELECT uuid(lpad(to_hex((extract(epoch FROM NOW() - (g || ' seconds')::interval) * 1000)::bigint), 12, '0') || '7' || substr(md5(g::text), 1, 3) || '8' || substr(md5(g::text), 4, 15)),
                   'BINANCE', 'BTCUSDT', 'SELL', 'MARKET', 100000000,
                   CASE WHEN g % 5000 = 0 THEN 'OPEN' WHEN g % 5000 = 1 THEN 'PENDING' WHEN g % 5000 = 2 THEN 'PARTIALLY_FILLED' ELSE 'FILLED' END,
                   'tb-' || g, CASE WHEN g % 5000 IN (0, 1) THEN 0 WHEN g % 5000 = 2 THEN 50000000 ELSE 100000000 END, NOW() - (g || ' seconds')::interval
            FROM generate_series(1, 100000) g;
            INSERT INTO fills (id, order_id, exchange_fill_id, price_quote, quantity_base, fee_quote, fee_asset, filled_at, position_sequence, realized_pnl_quote)
            SELECT gen_random_uuid(), id, 'F-' || idempotency_key, 6400000000000, 100000000, 0, 'USDT', created_at, row_number() OVER (ORDER BY created_at), 0
            FROM orders WHERE status = 'FILLED';
            INSERT INTO pnl_days (id, exchange, symbol, utc_day, trading_pnl_quote, fees_paid_quote, funding_quote)
            SELECT gen_random_uuid(), e, s, date_trunc('day', NOW() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - (g || ' days')::interval, g, 1, 0
            FROM generate_series(0, 1095) g, unnest(ARRAY['BTCUSDT','ETHUSDT','SOLUSDT','BNBUSDT','XRPUSDT']) s, unnest(ARRAY['BINANCE','PAPER']) e;
            ANALYZE;
            """;
    }
}
