using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using TradingBot.Infrastructure.Persistence.Configurations;
using TradingBot.Infrastructure.Persistence.Writes;
using TradingBot.Infrastructure.Postgres;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>The optimistic-concurrency columns come from the model, and cover every column an update sets.</summary>
public sealed class ConcurrencyTokensCoverUpdates
{
    private static readonly string[] OrderTokens = ["exchange", "exchange_order_id", "filled_quantity_base", "quantity_base", "side", "status", "symbol"];
    private static readonly string[] PositionTokens = ["entry_notional_quote", "fees_paid_quote", "fill_count", "funding_quote", "last_filled_at", "net_quantity_base", "realized_pnl_quote", "version"];
    private static readonly string[] OrderUpdated = ["exchange_order_id", "filled_quantity_base", "quantity_base", "status", "updated_at"];
    private static readonly string[] Balance = ["balance"];

    public static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData(new Func<LedgerDbContext>(() => new SqliteDesignTimeFactory().CreateDbContext([]))).SetArgDisplayNames("SQLite");
        yield return new TestCaseData(new Func<LedgerDbContext>(() => new PostgresDesignTimeFactory().CreateDbContext([]))).SetArgDisplayNames("Postgres");
    }

    [TestCaseSource(nameof(Models))]
    public void Every_column_an_update_sets_is_expected_unchanged_or_never_updated(Func<LedgerDbContext> create)
    {
        using var db = create();

        var uncovered = db.Model.GetEntityTypes().SelectMany(e => LedgerTable.UncoveredColumns(e).Select(c => $"{e.GetTableName()}.{c}")).ToList();

        Assert.That(uncovered, Is.Empty);
    }

    [TestCaseSource(nameof(Models))]
    public void Updates_expect_what_record_fill_decides_on(Func<LedgerDbContext> create)
    {
        using var db = create();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Names(db, "orders", p => p.IsConcurrencyToken), Is.EquivalentTo(OrderTokens));
            Assert.That(Names(db, "positions", p => p.IsConcurrencyToken), Is.EquivalentTo(PositionTokens));
            Assert.That(Names(db, "orders", p => p.GetAfterSaveBehavior() == Microsoft.EntityFrameworkCore.Metadata.PropertySaveBehavior.Save && !p.IsPrimaryKey()), Is.EquivalentTo(OrderUpdated));
        }
    }

    [Test]
    public void A_mutable_column_that_is_not_a_concurrency_token_is_reported()
    {
        using var db = new UncoveredContext();
        var entity = db.Model.FindEntityType(typeof(Account))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(LedgerTable.UncoveredColumns(entity), Is.EqualTo(Balance));
            Assert.That(LedgerTable.UncoveredColumns(db.Model.FindEntityType(typeof(Journal))!), Is.Empty, "a table no update touches declares no token");
        }
    }

    private static List<string> Names(LedgerDbContext db, string table, Func<Microsoft.EntityFrameworkCore.Metadata.IProperty, bool> which)
    {
        var entity = db.Model.GetEntityTypes().Single(e => e.GetTableName() == table);
        var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(table, null);
        return [.. entity.GetProperties().Where(which).Select(p => p.GetColumnName(store)!)];
    }

    private sealed class Account
    {
        public Guid Id { get; set; }

        public long Version { get; set; }

        public long Balance { get; set; }

        public string Owner { get; set; } = string.Empty;

        public DateTimeOffset UpdatedAt { get; set; }
    }

    private sealed class Journal
    {
        public Guid Id { get; set; }

        public string Text { get; set; } = string.Empty;
    }

    private sealed class UncoveredContext : DbContext
    {
        protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) => optionsBuilder.UseSqlite("Data Source=:memory:");

        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.Entity<Account>(a =>
            {
                a.ToTable("accounts");
                a.Property(x => x.Version).HasColumnName("version").IsConcurrencyToken();
                a.Property(x => x.Balance).HasColumnName("balance");
                a.Property(x => x.Owner).HasColumnName("owner").IsNeverUpdated();
                a.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            });
            modelBuilder.Entity<Journal>().ToTable("journal");
        }
    }
}
