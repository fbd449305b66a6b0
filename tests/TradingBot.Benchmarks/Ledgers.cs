using Microsoft.EntityFrameworkCore;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;
using TradingBot.Infrastructure.Persistence.Rows;
using TradingBot.Infrastructure.Persistence;

namespace TradingBot.Benchmarks;

/// <summary>One freshly migrated ledger database, with the real EF Core registrations on top of it.</summary>
internal sealed class BenchLedger : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly Func<CancellationToken, Task<DbConnection>> _openConnection;
    private readonly Func<ValueTask> _drop;

    public BenchLedger(string connectionString, ServiceProvider services, Func<CancellationToken, Task<DbConnection>> openConnection, Func<ValueTask> drop)
    {
        ConnectionString = connectionString;
        _services = services;
        _openConnection = openConnection;
        _drop = drop;
    }

    public string ConnectionString { get; }

    /// <summary>The ledger's service provider (AddSqliteLedger / AddPostgresLedger + AddTradingBotApplication).</summary>
    public IServiceProvider Services => _services;

    /// <summary>The real unit of work (LedgerUnitOfWork over the pooled context factory).</summary>
    public IUnitOfWork Ledger => _services.GetRequiredService<IUnitOfWork>();

    /// <summary>The real use case, resolved as the host resolves it.</summary>
    public RecordFill NewRecordFill() => _services.GetRequiredService<RecordFill>();

    /// <summary>A plain ADO.NET connection with the ledger's connection settings (pragmas set on SQLite).</summary>
    public Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => _openConnection(cancellationToken);

    public static async Task<ServiceProvider> BuildServicesAsync(Action<IServiceCollection> addLedger, IInterceptor? trace, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        if (trace is not null)
        {
            services.AddSingleton(trace);
        }

        addLedger(services);
        services.AddTradingBotApplication();
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<LedgerMigrator>().MigrateAsync(cancellationToken);
        return provider;
    }

    /// <summary>Writes the writers' OPEN orders through the unit of work (not measured).</summary>
    public Task CreateOrdersAsync(IReadOnlyList<Order> orders, CancellationToken cancellationToken) =>
        Ledger.ExecuteAsync(
            async (session, ct) =>
            {
                foreach (var order in orders)
                {
                    var creation = await session.Orders.CreateAsync(order, ct);
                    if (!creation.Created)
                    {
                        throw new InvalidOperationException($"order {order.IdempotencyKey} already existed in a fresh ledger");
                    }
                }

                return orders.Count;
            },
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _drop();
    }
}

/// <summary>A ledger provider under benchmark: SQLite or Postgres.</summary>
internal abstract class LedgerProvider : IAsyncDisposable
{
    /// <summary>"SQLite" or "Postgres".</summary>
    public abstract string Name { get; }

    /// <summary>What the raw baseline is written with.</summary>
    public abstract string RawClient { get; }

    /// <summary>Reads the database server's CPU time so far, when it is a process tree on this machine that this run started; null otherwise (SQLite is in-process).</summary>
    public virtual Func<TimeSpan>? ServerCpu => null;

    /// <summary>A freshly migrated ledger database for one scenario.</summary>
    public abstract Task<BenchLedger> CreateLedgerAsync(string label, IInterceptor? trace, CancellationToken cancellationToken);

    /// <summary>A raw ADO.NET writer issuing the EF unit of work's statements for the writer's order.</summary>
    public abstract Task<IFillWriter> CreateRawWriterAsync(BenchLedger ledger, Order order, int writer, CancellationToken cancellationToken);

    /// <summary>Version and durability settings, as the server or library reports them.</summary>
    public abstract Task<IReadOnlyList<(string Name, string Value)>> DescribeAsync(BenchLedger ledger, CancellationToken cancellationToken);

    /// <summary>Called before every measured scenario (Postgres: CHECKPOINT, so no scenario inherits another's dirty WAL).</summary>
    public abstract Task BeforeScenarioAsync(BenchLedger ledger, CancellationToken cancellationToken);

    /// <summary>Loads the funding snapshot time series (not through EF: a bulk load).</summary>
    public abstract Task LoadFundingAsync(BenchLedger ledger, FundingSeries series, Action<string> progress, CancellationToken cancellationToken);

    /// <summary>Refreshes the planner's statistics after the load.</summary>
    public abstract Task AnalyzeAsync(BenchLedger ledger, CancellationToken cancellationToken);

    /// <summary>What turns a query into its plan: EXPLAIN QUERY PLAN (SQLite), EXPLAIN (ANALYZE, BUFFERS) (Postgres).</summary>
    public abstract string ExplainPrefix { get; }

    /// <summary>
    /// Gives a fresh ledger a history of <paramref name="fills"/> fills: FILLED market orders of ten fills each on ten
    /// HIST symbols, each fill with a FILL audit event, as years of a bot leave them; then ANALYZE. As the ledger writes
    /// them: ids that sort in creation order (the ledger's are version 7), each position's fills numbered 1, 2, 3, ... in
    /// the order they were written. Bulk SQL, not the use case: the history is the scenery, the record-fills after it are
    /// what is measured.
    /// </summary>
    public abstract Task SeedHistoryAsync(BenchLedger ledger, int fills, CancellationToken cancellationToken);

    /// <summary>
    /// The positions of <see cref="SeedHistoryAsync"/>'s history, made by the domain's own replay of its fills (every one
    /// the same buy): a ledger whose invariants hold, as <c>verify</c> and <c>report</c> find a real one.
    /// </summary>
    protected static async Task SeedHistoryPositionsAsync(BenchLedger ledger, int fills, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var contexts = ledger.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<LedgerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var orders = fills / 10;
        for (var symbol = 0; symbol < 10; symbol++)
        {
            // Orders h-1 ... h-N go to HIST(n % 10): ten fills each of 0.001 at 64000, fee 0.02 USDT.
            var perSymbol = (orders / 10 + (symbol != 0 && symbol <= orders % 10 ? 1 : 0)) * 10;
            if (perSymbol == 0)
            {
                continue;
            }

            var position = Position.Flat(Workload.Exchange, new Symbol($"HIST{symbol}USDT"));
            var fill = new Fill(new ExchangeFillId("H"), OrderId.New(), new Price(6_400_000_000_000), new Quantity(100_000), new Money(new Asset("USDT"), new Amount(2_000_000)), DateTimeOffset.UtcNow);
            for (var i = 0; i < perSymbol; i++)
            {
                position.ApplyFill(Side.Buy, fill);
            }

            var row = new PositionRow { Id = Guid.CreateVersion7(), Version = 1 };
            RowMapping.CopyTo(position, row);
            db.Positions.Add(row);
        }

        await db.SaveChangesAsync(cancellationToken);

        // Each position's last fill is its seeded fills' latest time, which the database chose (now() less an offset).
        db.Database.SetCommandTimeout(0);
        await db.Database.ExecuteSqlRawAsync(
            """
            UPDATE positions SET last_filled_at = m.latest
            FROM (SELECT o.exchange, o.symbol, MAX(f.filled_at) AS latest FROM fills f JOIN orders o ON o.id = f.order_id GROUP BY o.exchange, o.symbol) AS m
            WHERE m.exchange = positions.exchange AND m.symbol = positions.symbol
            """,
            cancellationToken);
    }

    /// <summary>The ledger database's size on disk, in bytes.</summary>
    public abstract Task<long> SizeAsync(BenchLedger ledger, CancellationToken cancellationToken);

    /// <summary>A uuid column as a hand-written repository on this provider reads it.</summary>
    public abstract Guid ReadGuid(System.Data.Common.DbDataReader reader, int ordinal);

    /// <summary>A timestamp column as a hand-written repository on this provider reads it.</summary>
    public abstract DateTimeOffset ReadTime(System.Data.Common.DbDataReader reader, int ordinal);

    public abstract ValueTask DisposeAsync();
}
