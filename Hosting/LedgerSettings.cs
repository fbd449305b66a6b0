using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Infrastructure.Persistence.Partitions;
using TradingBot.Infrastructure.Postgres;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Hosting;

/// <summary>The ledger providers the host can run on.</summary>
internal enum LedgerProvider
{
    Sqlite,
    Postgres,
}

/// <summary>What stands between the worker and a Postgres ledger (<c>Ledger:Pooler</c>).</summary>
internal enum LedgerPooler
{
    None,

    /// <summary>A transaction-mode pooler (PgBouncer, Supabase's pooler): the lease and the migrations use <c>ConnectionStrings:LedgerDirect</c>.</summary>
    Transaction,
}

/// <summary>There is no ledger where the settings point: a read-only host (<see cref="LedgerAccess.ReadOnly"/>, <see cref="LedgerAccess.ReadReplica"/>) never creates one.</summary>
public sealed class NoLedgerException : Exception
{
    /// <summary>No ledger, as <paramref name="message"/> says where.</summary>
    public NoLedgerException(string message)
        : base(message)
    {
    }

    /// <summary>No ledger, as <paramref name="message"/> says where, found through <paramref name="innerException"/>.</summary>
    public NoLedgerException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>No ledger.</summary>
    public NoLedgerException()
        : base("there is no ledger where the settings point")
    {
    }
}

/// <summary>
/// The <c>Ledger</c> section and <c>ConnectionStrings:Ledger</c>, read and checked. A SQLite ledger's relative path is
/// taken against the host's content root (the folder that holds its appsettings.json), never the working directory,
/// so every verb finds the same file from anywhere; <see cref="ConnectionString"/> holds its canonical absolute path.
/// </summary>
internal sealed record LedgerSettings(LedgerProvider Provider, string ConnectionString, bool MigrateOnStart, bool ReadOnly)
{
    public const string DefaultSqlite = "Data Source=data/ledger.db";

    /// <summary>
    /// Reads the settings; a wrong value throws <see cref="TradingBotConfigurationException"/> naming it. For a
    /// <paramref name="readOnly"/> verb a SQLite ledger that does not exist throws <see cref="NoLedgerException"/>: nothing
    /// is created.
    /// </summary>
    public static LedgerSettings From(IConfiguration configuration, string contentRoot, bool readOnly)
    {
        var provider = ConfigurationChoice.Parse(configuration["Ledger:Provider"], "Ledger:Provider", LedgerProvider.Sqlite);

        var migrateText = configuration["Ledger:MigrateOnStart"];
        var migrateOnStart = true;
        if (!string.IsNullOrWhiteSpace(migrateText) && !bool.TryParse(migrateText, out migrateOnStart))
        {
            throw new TradingBotConfigurationException($"Ledger:MigrateOnStart is '{migrateText}'; expected true or false.");
        }

        var connectionString = configuration.GetConnectionString("Ledger");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider == LedgerProvider.Postgres)
            {
                throw new TradingBotConfigurationException("ConnectionStrings:Ledger is required when Ledger:Provider is Postgres (e.g. 'Host=db.example.com;Database=tradingbot;Username=bot;Password=...').");
            }

            connectionString = DefaultSqlite;
        }

        var pooler = ConfigurationChoice.Parse(configuration["Ledger:Pooler"], "Ledger:Pooler", LedgerPooler.None);
        var direct = configuration.GetConnectionString("LedgerDirect");
        if (provider == LedgerProvider.Sqlite && (pooler != LedgerPooler.None || !string.IsNullOrWhiteSpace(direct)))
        {
            throw new TradingBotConfigurationException("Ledger:Pooler and ConnectionStrings:LedgerDirect are for a Postgres ledger; Ledger:Provider is Sqlite.");
        }

        if (pooler == LedgerPooler.Transaction && string.IsNullOrWhiteSpace(direct))
        {
            throw new TradingBotConfigurationException("Ledger:Pooler is Transaction, so ConnectionStrings:LedgerDirect is required: a connection to the Postgres server itself, not through the pooler. The ledger lease is a session advisory lock, which a transaction-mode pooler would hand to another client's transaction; the lease and the migrations use the direct connection.");
        }

        var partitioning = ConfigurationChoice.Parse(configuration["Ledger:Partitioning"], "Ledger:Partitioning", LedgerPartitioning.None);
        if (provider == LedgerProvider.Sqlite && partitioning != LedgerPartitioning.None)
        {
            throw new TradingBotConfigurationException($"Ledger:Partitioning is {partitioning}, which is for a Postgres ledger; Ledger:Provider is Sqlite. Leave it out (or None). To move a SQLite ledger into a partitioned Postgres one: copy-ledger --to-provider Postgres --to-partitioning Monthly.");
        }

        var ledger = Prepare(provider, connectionString, contentRoot, migrateOnStart, readOnly, "ConnectionStrings:Ledger", pooler == LedgerPooler.Transaction) with { Partitioning = partitioning };
        return string.IsNullOrWhiteSpace(direct)
            ? ledger
            : ledger with { Direct = Checked(() => PostgresLedger.PrepareConnectionString(direct), provider, "ConnectionStrings:LedgerDirect"), ThroughPooler = pooler == LedgerPooler.Transaction };
    }

    /// <summary>
    /// For <c>report</c> and <c>verify</c>: <c>ConnectionStrings:LedgerReadOnly</c> (a read replica of the ledger, same
    /// provider) when it is set, else the ledger as <see cref="From"/> reads it. The worker itself never calls this: its
    /// decisions read the primary.
    /// </summary>
    public static LedgerSettings ForReading(IConfiguration configuration, string contentRoot)
    {
        var primary = From(configuration, contentRoot, readOnly: true);
        var replica = configuration.GetConnectionString("LedgerReadOnly");
        return string.IsNullOrWhiteSpace(replica)
            ? primary
            : Other(primary.Provider, replica, contentRoot, "ConnectionStrings:LedgerReadOnly", readOnly: true) with { IsReadReplica = true };
    }

    /// <summary>
    /// Another ledger than the configured one (the target of copy-ledger, a backup file): <paramref name="connectionString"/>
    /// for <paramref name="provider"/>, read and checked like the configured ledger's (<paramref name="setting"/> names where
    /// it came from in messages); a <paramref name="readOnly"/> SQLite ledger must exist.
    /// </summary>
    public static LedgerSettings Other(LedgerProvider provider, string connectionString, string contentRoot, string setting, bool readOnly = false) =>
        Prepare(provider, connectionString, contentRoot, migrateOnStart: true, readOnly, setting);

    private static LedgerSettings Prepare(LedgerProvider provider, string connectionString, string contentRoot, bool migrateOnStart, bool readOnly, string setting, bool throughPooler = false)
    {
        if (provider == LedgerProvider.Postgres)
        {
            return new LedgerSettings(provider, Checked(() => PostgresLedger.PrepareConnectionString(connectionString, throughPooler), provider, setting), migrateOnStart, readOnly);
        }

        var prepared = new SqliteConnectionStringBuilder(Checked(() => SqliteLedger.PrepareConnectionString(connectionString, contentRoot), provider, setting));
        if (readOnly)
        {
            if (!File.Exists(prepared.DataSource))
            {
                throw new NoLedgerException($"no ledger at {prepared.DataSource} ({setting}; a relative path is taken against {contentRoot}). Nothing was created: start the worker, or run migrate, to create it.");
            }

            prepared.Mode = SqliteOpenMode.ReadOnly;
        }

        return new LedgerSettings(provider, prepared.ToString(), migrateOnStart, readOnly);
    }

    private static string Checked(Func<string> prepare, LedgerProvider provider, string setting)
    {
        try
        {
            return prepare();
        }
        catch (ArgumentException exception)
        {
            throw new TradingBotConfigurationException($"{setting} is not usable for {provider}: {exception.Message}", exception);
        }
    }

    /// <summary><c>ConnectionStrings:LedgerDirect</c>: the Postgres server itself, for the lease and the migrations; null: the ledger's connection.</summary>
    public string? Direct { get; init; }

    /// <summary><c>Ledger:Pooler</c> is Transaction: the ledger's connection goes through a transaction-mode pooler.</summary>
    public bool ThroughPooler { get; init; }

    /// <summary><c>Ledger:Partitioning</c> (Postgres): how the ledger's time series are stored; copy-ledger's <c>--to-partitioning</c> for its target.</summary>
    public LedgerPartitioning Partitioning { get; init; }

    /// <summary>Registers the configured provider.</summary>
    public void AddTo(IServiceCollection services)
    {
        _ = Provider == LedgerProvider.Postgres
            ? services.AddPostgresLedger(new PostgresLedgerConnections(ConnectionString) { Direct = Direct, ThroughPooler = ThroughPooler, Partitioning = Partitioning })
            : services.AddSqliteLedger(ConnectionString);
    }

    /// <summary>True for the read replica named by <c>ConnectionStrings:LedgerReadOnly</c>.</summary>
    public bool IsReadReplica { get; init; }

    /// <summary>Which copy a reading verb read, for its first line: the read replica or the primary.</summary>
    public string DescribeForReading() => $"{Describe()} ({(IsReadReplica ? "read replica, ConnectionStrings:LedgerReadOnly" : "primary")})";

    /// <summary>The SQLite ledger's file (canonical, absolute); null on Postgres.</summary>
    public string? SqliteFile => Provider == LedgerProvider.Sqlite ? new SqliteConnectionStringBuilder(ConnectionString).DataSource : null;

    /// <summary>A file beside the SQLite ledger (or under data/ in the content root when the ledger is on Postgres).</summary>
    public string DefaultFileBeside(string fileName, string contentRoot) =>
        SqliteFile is { } file
            ? Path.Combine(Path.GetDirectoryName(file)!, fileName)
            : Path.Combine(contentRoot, "data", fileName);

    /// <summary>Which database this is (a SQLite file's canonical path; a Postgres server and database), to tell two ledgers apart.</summary>
    public string Identity => SqliteFile is { } file ? $"sqlite:{file}" : $"postgres:{PostgresLedger.Describe(ConnectionString)}";

    /// <summary>What to log about the ledger, through the provider's own builder: never a password, whatever its spelling.</summary>
    public string Describe() => Provider == LedgerProvider.Postgres
        ? PostgresLedger.Describe(ConnectionString)
        : SqliteLedger.Describe(ConnectionString);
}

/// <summary>Reads back what the public registrations registered.</summary>
internal static class RegisteredSettings
{
    /// <summary>The instance of <typeparamref name="T"/> last registered, e.g. the <see cref="LedgerSettings"/> <c>AddTradingBotLedger</c> parsed.</summary>
    public static T Registered<T>(this IServiceCollection services)
        where T : class =>
        services.LastOrDefault(d => d.ServiceType == typeof(T))?.ImplementationInstance as T
            ?? throw new InvalidOperationException($"no {typeof(T).Name} was registered");
}
