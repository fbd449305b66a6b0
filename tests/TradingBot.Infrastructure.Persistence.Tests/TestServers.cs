using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TradingBot.Infrastructure.Persistence.Tests.Support;
using TradingBot.Infrastructure.Postgres;
using TradingBot.Infrastructure.Sqlite;
using TradingBot.TestPostgres;

namespace TradingBot.Infrastructure.Persistence.Tests;

/// <summary>
/// Owns the databases of the whole test assembly: a real PostgreSQL server (see <see cref="PostgresServer"/>)
/// with a migrated template database, and a migrated SQLite template file. Each test gets a fresh copy.
/// When no Postgres server can be had, the Postgres fixtures fail with the reason: they never skip.
/// </summary>
[SetUpFixture]
public sealed class TestServers
{
    private const string PostgresTemplate = "ledger_template";

    private static PostgresServer? _postgres;
    private static Exception? _postgresProblem;
    private static string? _sqliteTemplate;
    private static string? _sqliteFolder;

    public static PostgresServer Postgres =>
        _postgres ?? throw new InvalidOperationException(_postgresProblem?.Message ?? "the Postgres server was not started", _postgresProblem);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _sqliteFolder = Directory.CreateTempSubdirectory("tradingbot-sqlite-").FullName;
        _sqliteTemplate = Path.Combine(_sqliteFolder, "template.db");
        await MigrateAsync(new DbContextOptionsBuilder<LedgerDbContext>(), o => SqliteLedger.Configure(o, $"Data Source={_sqliteTemplate};Pooling=False"));

        try
        {
            _postgres = await PostgresServer.StartAsync();
            var template = await _postgres.CreateDatabaseAsync(PostgresTemplate);
            await MigrateAsync(new DbContextOptionsBuilder<LedgerDbContext>(), o => PostgresLedger.Configure(o, template));
            NpgsqlConnection.ClearAllPools();
        }
        catch (Exception exception)
        {
            _postgresProblem = exception;
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        if (_sqliteFolder is not null)
        {
            Directory.Delete(_sqliteFolder, recursive: true);
        }
    }

    /// <summary>A fresh migrated SQLite ledger file (a copy of the template).</summary>
    public static LedgerTestDatabase NewSqliteLedger()
    {
        var file = Path.Combine(_sqliteFolder!, $"{Guid.NewGuid():N}.db");
        File.Copy(_sqliteTemplate!, file);
        var connectionString = $"Data Source={file}";
        return new LedgerTestDatabase(
            connectionString,
            (services, cs) => services.AddSqliteLedger(cs),
            () =>
            {
                var connection = new SqliteConnection(connectionString + ";Pooling=False");
                connection.Open();
                return connection;
            },
            () =>
            {
                SqliteConnection.ClearAllPools();
                foreach (var path in new[] { file, file + "-wal", file + "-shm" })
                {
                    File.Delete(path);
                }

                return ValueTask.CompletedTask;
            });
    }

    /// <summary>A fresh migrated Postgres ledger database (a copy of the template).</summary>
    public static async Task<LedgerTestDatabase> NewPostgresLedgerAsync()
    {
        var name = $"ledger_{Guid.NewGuid():N}";
        var connectionString = await Postgres.CreateDatabaseAsync(name, PostgresTemplate);
        return new LedgerTestDatabase(
            connectionString,
            (services, cs) => services.AddPostgresLedger(cs),
            () =>
            {
                var connection = new NpgsqlConnection(connectionString);
                connection.Open();
                return connection;
            },
            async () => await Postgres.DropDatabaseAsync(name));
    }

    /// <summary>
    /// A new Postgres ledger whose funding_snapshots and audit_log are partitioned by month (Ledger:Partitioning=Monthly),
    /// with the months of <paramref name="now"/> (default: the clock's) and the two after it made.
    /// </summary>
    public static async Task<LedgerTestDatabase> NewPartitionedPostgresLedgerAsync(DateTimeOffset? now = null)
    {
        var db = await NewPostgresLedgerAsync();
        var report = await new LedgerMigrator(db.Contexts, Partitions.LedgerPartitioning.Monthly).PreparePartitionsAsync(now ?? DateTimeOffset.UtcNow, CancellationToken.None);
        if (!report.Converted)
        {
            throw new InvalidOperationException("the new ledger was not partitioned");
        }

        return db;
    }

    private static async Task MigrateAsync(DbContextOptionsBuilder<LedgerDbContext> options, Action<DbContextOptionsBuilder> configure)
    {
        configure(options);
        await using var db = new LedgerDbContext(options.Options);
        await db.Database.MigrateAsync();
    }
}
