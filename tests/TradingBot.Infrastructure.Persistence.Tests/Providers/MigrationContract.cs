using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using TradingBot.Infrastructure.Postgres;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>Per provider: the migrations match the model, apply to an empty database, and re-applying is a no-op.</summary>
public abstract class MigrationContract
{
    protected static readonly string[] LedgerTables =
        ["audit_log", "fills", "funding_payments", "funding_snapshots", "ledger_transfers", "orders", "pnl_days", "positions", "state_snapshots", "symbol_halts"];

    protected static readonly string[] AdrIndexes =
    [
        "idx_orders_created_at", "idx_orders_status", "idx_orders_exchange_order_id", "idx_orders_idempotency_key",
        "idx_fills_order_id", "idx_fills_filled_at", "idx_fills_exchange_fill_id", "idx_state_snapshots_reconciled_at",
        "idx_audit_log_created_at", "idx_audit_log_event_type", "idx_audit_log_event_type_created_at",
        "idx_funding_snapshots_symbol_snapshot_at", "idx_funding_snapshots_snapshot_at",
    ];

    /// <summary>A context on a new, empty database (nothing migrated).</summary>
    protected abstract Task<LedgerDbContext> EmptyDatabaseAsync();

    protected abstract Task<IReadOnlyList<string>> TablesAsync(LedgerDbContext db);

    protected abstract Task<IReadOnlyList<string>> IndexesAsync(LedgerDbContext db);

    private static readonly string[] Qualified = ["BINANCE:BTCUSDT:42", "BINANCE:ETHUSDT:43", "(none)"];
    private static readonly string[] Raw = ["BINANCE:BTCUSDT:42", "43", "(none)", "BINANCE:ETHUSDT:42"];

    private static Task<int> InsertOrderAsync(LedgerDbContext db, Guid id, string symbol, string? exchangeOrderId, string key)
    {
        var text = id.ToString();
        return db.Database.ExecuteSqlAsync(
            $"INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, exchange_order_id, idempotency_key, filled_quantity_base) VALUES ({(db.Database.IsNpgsql() ? id : text)}, 'BINANCE', {symbol}, 'BUY', 'MARKET', 1, 'OPEN', {exchangeOrderId}, {key}, 0)");
    }

    private static async Task<List<string>> ExchangeOrderIdsAsync(LedgerDbContext db) =>
        await db.Database.SqlQueryRaw<string>("SELECT COALESCE(exchange_order_id, '(none)') AS \"Value\" FROM orders ORDER BY idempotency_key").ToListAsync();

    [Test]
    public async Task The_migrations_match_the_model()
    {
        await using var db = await EmptyDatabaseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(db.Database.GetMigrations(), Is.Not.Empty);
            Assert.That(db.Database.HasPendingModelChanges(), Is.False, "run 'dotnet ef migrations add' for this provider");
        }
    }

    [Test]
    public async Task The_migrations_create_every_table_and_named_index_in_an_empty_database()
    {
        await using var db = await EmptyDatabaseAsync();

        await db.Database.MigrateAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await TablesAsync(db), Is.SupersetOf(LedgerTables));
            Assert.That(await IndexesAsync(db), Is.SupersetOf(AdrIndexes));
            Assert.That(await db.Database.GetPendingMigrationsAsync(), Is.Empty);
        }
    }

    [Test]
    public async Task Every_migration_reverts_and_the_migrations_then_apply_again()
    {
        await using var db = await EmptyDatabaseAsync();
        await db.Database.MigrateAsync();
        var indexes = await IndexesAsync(db);
        var migrator = db.GetService<IMigrator>();

        await migrator.MigrateAsync(Migration.InitialDatabase);
        var tablesReverted = await TablesAsync(db);
        await db.Database.MigrateAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tablesReverted, Has.None.AnyOf(LedgerTables));
            Assert.That(await IndexesAsync(db), Is.EquivalentTo(indexes));
            Assert.That(await db.Database.GetPendingMigrationsAsync(), Is.Empty);
        }
    }

    [Test]
    public async Task Exchange_order_ids_stored_before_qualification_are_qualified_with_exchange_and_symbol_and_back_where_unambiguous_on_revert()
    {
        await using var db = await EmptyDatabaseAsync();
        var migrator = db.GetService<IMigrator>();
        var migrations = db.Database.GetMigrations().ToList();
        var qualifying = migrations.Single(m => m.EndsWith("_HaltsAndQualifiedOrderIds", StringComparison.Ordinal));
        var before = migrations[migrations.IndexOf(qualifying) - 1];
        await migrator.MigrateAsync(before);
        foreach (var (id, symbol, exchangeOrderId, key) in new (Guid, string, string?, string)[]
        {
            (Guid.NewGuid(), "BTCUSDT", "42", "tb-a"), (Guid.NewGuid(), "ETHUSDT", "43", "tb-b"), (Guid.NewGuid(), "ETHUSDT", null, "tb-c"),
        })
        {
            await InsertOrderAsync(db, id, symbol, exchangeOrderId, key);
        }

        await migrator.MigrateAsync(qualifying);
        var qualified = await ExchangeOrderIdsAsync(db);

        // Written after the change: ETHUSDT's order 42 is not BTCUSDT's, and the revert cannot make both "42".
        await InsertOrderAsync(db, Guid.NewGuid(), "ETHUSDT", "BINANCE:ETHUSDT:42", "tb-d");
        await migrator.MigrateAsync(before);
        var reverted = await ExchangeOrderIdsAsync(db);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(qualified, Is.EqualTo(Qualified));
            Assert.That(reverted, Is.EqualTo(Raw));
        }
    }

    [Test]
    public async Task Fills_recorded_before_the_DailyPnl_migration_get_their_realized_pnl_and_days_once_the_ledger_is_upgraded()
    {
        await using var db = await EmptyDatabaseAsync();
        var migrations = db.Database.GetMigrations().ToList();
        var dailyPnl = migrations.Single(m => m.EndsWith("_DailyPnl", StringComparison.Ordinal));
        await db.GetService<IMigrator>().MigrateAsync(migrations[migrations.IndexOf(dailyPnl) - 1]);
        var (buy, sell) = (Guid.NewGuid(), Guid.NewGuid());
        await InsertOrderAsync(db, buy, "BTCUSDT", "BINANCE:BTCUSDT:1", "tb-buy");
        await InsertOrderAsync(db, sell, "BTCUSDT", "BINANCE:BTCUSDT:2", "tb-sell");
        await db.Database.ExecuteSqlAsync($"UPDATE orders SET side = 'SELL' WHERE idempotency_key = 'tb-sell'");
        var day = new DateTimeOffset(2026, 11, 20, 23, 0, 0, TimeSpan.Zero);
        await InsertFillAsync(db, buy, "f-1", 100, 1, day, 1);
        await InsertFillAsync(db, sell, "f-2", 110, 1, day.AddHours(2), 2);

        await db.Database.MigrateAsync();
        var fillIn = await new LedgerMigrator(new ContextsOf(db)).FillInRealizedPnlAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fillIn, Is.EqualTo(new RealizedPnlFillIn(1, 2)));
            Assert.That(
                await db.Database.SqlQueryRaw<long>("SELECT realized_pnl_quote AS \"Value\" FROM fills ORDER BY position_sequence").ToListAsync(),
                Is.EqualTo(new long[] { 0, 1_000_000_000 }));
            Assert.That(
                await db.Database.SqlQueryRaw<long>("SELECT trading_pnl_quote AS \"Value\" FROM pnl_days ORDER BY utc_day").ToListAsync(),
                Is.EqualTo(new long[] { 0, 1_000_000_000 }), "the buy's day with nothing realized, the sell's day with 10");
        }
    }

    private static Task<int> InsertFillAsync(LedgerDbContext db, Guid orderId, string fillId, long price, long quantity, DateTimeOffset at, long sequence)
    {
        var (id, npgsql) = (Guid.NewGuid(), db.Database.IsNpgsql());
        object Key(Guid g) => npgsql ? g : g.ToString();
        object Time(DateTimeOffset t) => npgsql ? t : SqliteLedgerDialect.ToText(t);
        return db.Database.ExecuteSqlAsync(
            $"INSERT INTO fills (id, order_id, exchange_fill_id, price_quote, quantity_base, fee_quote, fee_asset, filled_at, position_sequence) VALUES ({Key(id)}, {Key(orderId)}, {fillId}, {price * 100_000_000}, {quantity * 100_000_000}, 0, 'USDT', {Time(at)}, {sequence})");
    }

    // The migrator's contexts for a test's own database: each a new context on the same options.
    private sealed class ContextsOf(LedgerDbContext db) : IDbContextFactory<LedgerDbContext>
    {
        public LedgerDbContext CreateDbContext() => new((DbContextOptions<LedgerDbContext>)db.GetService<IDbContextOptions>());
    }

    [Test]
    public async Task Applying_the_migrations_again_changes_nothing()
    {
        await using var db = await EmptyDatabaseAsync();
        await db.Database.MigrateAsync();
        var applied = (await db.Database.GetAppliedMigrationsAsync()).ToList();
        var indexes = await IndexesAsync(db);

        await db.Database.MigrateAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await db.Database.GetAppliedMigrationsAsync(), Is.EqualTo(applied));
            Assert.That(await IndexesAsync(db), Is.EquivalentTo(indexes));
        }
    }
}

[TestFixture]
public sealed class SqliteMigrations : MigrationContract
{
    private readonly List<string> _files = [];

    [TearDown]
    public void RemoveFiles()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in _files.SelectMany(f => new[] { f, f + "-wal", f + "-shm" }))
        {
            File.Delete(file);
        }
    }

    protected override Task<LedgerDbContext> EmptyDatabaseAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tradingbot-migrate-{Guid.NewGuid():N}.db");
        _files.Add(file);
        return Task.FromResult(new LedgerDbContext(SqliteLedger.Configure(new DbContextOptionsBuilder<LedgerDbContext>(), $"Data Source={file}").Options as DbContextOptions<LedgerDbContext>
            ?? throw new InvalidOperationException()));
    }

    protected override async Task<IReadOnlyList<string>> TablesAsync(LedgerDbContext db) =>
        await db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table'").ToListAsync();

    protected override async Task<IReadOnlyList<string>> IndexesAsync(LedgerDbContext db) =>
        await db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'index'").ToListAsync();
}

[TestFixture]
public sealed class PostgresMigrations : MigrationContract
{
    private readonly List<string> _databases = [];

    [TearDown]
    public async Task DropDatabasesAsync()
    {
        foreach (var name in _databases)
        {
            await TestServers.Postgres.DropDatabaseAsync(name);
        }
    }

    protected override async Task<LedgerDbContext> EmptyDatabaseAsync()
    {
        var name = $"migrate_{Guid.NewGuid():N}";
        var connectionString = await TestServers.Postgres.CreateDatabaseAsync(name);
        _databases.Add(name);
        return new LedgerDbContext((DbContextOptions<LedgerDbContext>)PostgresLedger.Configure(new DbContextOptionsBuilder<LedgerDbContext>(), connectionString).Options);
    }

    protected override async Task<IReadOnlyList<string>> TablesAsync(LedgerDbContext db) =>
        await db.Database.SqlQueryRaw<string>("SELECT tablename AS \"Value\" FROM pg_tables WHERE schemaname = 'public'").ToListAsync();

    protected override async Task<IReadOnlyList<string>> IndexesAsync(LedgerDbContext db) =>
        await db.Database.SqlQueryRaw<string>("SELECT indexname AS \"Value\" FROM pg_indexes WHERE schemaname = 'public'").ToListAsync();
}
