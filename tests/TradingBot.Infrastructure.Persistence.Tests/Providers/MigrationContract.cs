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
        ["audit_log", "fills", "funding_payments", "funding_snapshots", "orders", "positions", "state_snapshots"];

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
