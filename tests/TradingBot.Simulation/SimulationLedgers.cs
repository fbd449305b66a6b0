using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Postgres;
using TradingBot.Infrastructure.Sqlite;
using TradingBot.TestPostgres;

namespace TradingBot.Simulation;

/// <summary>Which ledger adapter a simulation runs on.</summary>
public enum SimulatedLedger
{
    /// <summary>The SQLite adapter, on a file.</summary>
    Sqlite,

    /// <summary>The Postgres adapter, on a real server.</summary>
    Postgres,
}

/// <summary>
/// Fresh, migrated ledgers of one provider, one per seed, cheaply: a SQLite template file copied (in /dev/shm when the
/// machine has it: a simulated crash is a process's, not the machine's, so fsync buys nothing here), or one Postgres
/// database emptied between seeds.
/// </summary>
public abstract class SimulationLedgers : IAsyncDisposable
{
    /// <summary>The provider.</summary>
    public abstract SimulatedLedger Kind { get; }

    /// <summary>Creates the ledgers of <paramref name="kind"/> (a Postgres server is started from the local binaries).</summary>
    public static async Task<SimulationLedgers> CreateAsync(SimulatedLedger kind, CancellationToken cancellationToken = default) => kind switch
    {
        SimulatedLedger.Sqlite => await SqliteLedgers.CreateAsync(cancellationToken).ConfigureAwait(false),
        _ => await PostgresLedgers.CreateAsync(cancellationToken).ConfigureAwait(false),
    };

    /// <summary>An empty, migrated ledger for <paramref name="seed"/>; its connection string.</summary>
    public abstract Task<string> FreshAsync(int seed, CancellationToken cancellationToken);

    /// <summary>Registers the provider's adapter on <paramref name="connectionString"/>.</summary>
    public abstract void AddTo(IServiceCollection services, string connectionString);

    /// <summary>Closes every pooled connection, as the end of a process does.</summary>
    public abstract void ClearPools();

    /// <summary>A failure the provider reports as transient (the adapter's execution strategy re-runs the unit of work).</summary>
    public abstract Exception Transient(string what);

    /// <summary>True when the server can end a client's connection under it (<see cref="CutConnection"/>).</summary>
    public virtual bool CanCutConnections => false;

    /// <summary>Has the server end <paramref name="connection"/>'s session, and waits until it has.</summary>
    public virtual void CutConnection(System.Data.Common.DbConnection connection) =>
        throw new NotSupportedException($"{Kind} has no server to end a connection");

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    private static async Task MigrateAsync(Action<DbContextOptionsBuilder> configure, CancellationToken cancellationToken)
    {
        var options = new DbContextOptionsBuilder<LedgerDbContext>();
        configure(options);
        await using var context = new LedgerDbContext(options.Options);
        await context.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class SqliteLedgers(string folder, string template) : SimulationLedgers
    {
        public override SimulatedLedger Kind => SimulatedLedger.Sqlite;

        public static async Task<SimulationLedgers> CreateAsync(CancellationToken cancellationToken)
        {
            var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
            var folder = Path.Combine(root, $"tradingbot-sim-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(folder);
            var template = Path.Combine(folder, "template.db");
            await MigrateAsync(o => SqliteLedger.Configure(o, $"Data Source={template};Pooling=False"), cancellationToken).ConfigureAwait(false);
            return new SqliteLedgers(folder, template);
        }

        public override Task<string> FreshAsync(int seed, CancellationToken cancellationToken)
        {
            var path = Path.Combine(folder, "ledger.db");
            SqliteConnection.ClearAllPools();
            foreach (var stale in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(stale);
            }

            File.Copy(template, path);
            return Task.FromResult($"Data Source={path}");
        }

        public override void AddTo(IServiceCollection services, string connectionString) => services.AddSqliteLedger(connectionString);

        public override void ClearPools() => SqliteConnection.ClearAllPools();

        public override Exception Transient(string what) => new SqliteException($"database is locked ({what}, simulated)", 5);

        public override ValueTask DisposeAsync()
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class PostgresLedgers(PostgresServer server, string connectionString, string tables) : SimulationLedgers
    {
        public override SimulatedLedger Kind => SimulatedLedger.Postgres;

        public static async Task<SimulationLedgers> CreateAsync(CancellationToken cancellationToken)
        {
            var server = await PostgresServer.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var connectionString = await server.CreateDatabaseAsync($"sim_{Environment.ProcessId}", cancellationToken: cancellationToken).ConfigureAwait(false);
            await MigrateAsync(o => PostgresLedger.Configure(o, connectionString), cancellationToken).ConfigureAwait(false);
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT string_agg(format('%I', table_name), ', ' ORDER BY table_name) FROM information_schema.tables " +
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '__EFMigrationsHistory'",
                connection);
            var tables = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            return new PostgresLedgers(server, connectionString, tables);
        }

        public override async Task<string> FreshAsync(int seed, CancellationToken cancellationToken)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // DELETE, not TRUNCATE: a ledger of one run is small, and TRUNCATE's new files cost more than the rows.
            await using var command = new NpgsqlCommand(
                $"SET session_replication_role = replica; {string.Join(' ', tables.Split(", ").Select(t => $"DELETE FROM {t};"))} SET session_replication_role = DEFAULT;",
                connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connectionString;
        }

        public override void AddTo(IServiceCollection services, string connectionString) => services.AddPostgresLedger(connectionString);

        public override bool CanCutConnections => true;

        // As an administrator would (or a restart, a failover, a pooler): the backend ends, and the client learns it on its next command.
        public override void CutConnection(System.Data.Common.DbConnection connection)
        {
            var pid = ((NpgsqlConnection)connection).ProcessID;
            using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "simulation-admin" }.ConnectionString);
            admin.Open();
            using var command = new NpgsqlCommand("SELECT pg_terminate_backend(@pid, 5000)", admin);
            command.Parameters.AddWithValue("pid", pid);
            if (command.ExecuteScalar() is not true)
            {
                throw new InvalidOperationException($"the server did not end backend {pid} within 5 s");
            }
        }

        public override void ClearPools() => NpgsqlConnection.ClearAllPools();

        public override Exception Transient(string what) =>
            new PostgresException($"could not serialize access due to concurrent update ({what}, simulated)", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure);

        public override async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
