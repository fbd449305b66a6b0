using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Sqlite;

/// <summary>The ledger on SQLite: options, error classification, pragmas.</summary>
public static class SqliteLedger
{
    /// <summary>How long a writer waits for the write lock before SQLITE_BUSY.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Checks a SQLite connection string and returns it normalised: the database file's canonical absolute path
    /// (<see cref="SqliteLedgerPath.Canonical"/>, a relative one taken against <paramref name="baseDirectory"/>, or the
    /// current directory when null), foreign keys on, busy timeout. An in-memory database (it would forget every position
    /// at the next start), a shared cache and a URI with parameters are refused. Throws <see cref="ArgumentException"/>
    /// naming the problem. Writes nothing.
    /// </summary>
    public static string PrepareConnectionString(string connectionString, string? baseDirectory = null)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("the SQLite connection string is empty; expected e.g. 'Data Source=data/ledger.db'", nameof(connectionString));
        }

        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(connectionString);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new ArgumentException($"the SQLite connection string is malformed: {exception.Message}", nameof(connectionString), exception);
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new ArgumentException("the SQLite connection string names no database file ('Data Source=...')", nameof(connectionString));
        }

        if (builder.Cache == SqliteCacheMode.Shared || SharedCacheUri(builder.DataSource))
        {
            // A shared cache locks tables instead of the file and lets a read-uncommitted connection see other
            // connections' uncommitted writes: the ledger's write lock, busy timeout and snapshot reads assume neither.
            throw new ArgumentException("the SQLite ledger does not run on a shared cache ('Cache=Shared'); remove it or use 'Cache=Private'", nameof(connectionString));
        }

        if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource.Trim() == ":memory:" || MemoryUri(builder.DataSource))
        {
            throw new ArgumentException("the SQLite ledger must be a file: an in-memory database (':memory:', 'Mode=Memory') forgets every order and position when the process ends", nameof(connectionString));
        }

        builder.DataSource = SqliteLedgerPath.Canonical(builder.DataSource, baseDirectory);
        builder.ForeignKeys = true;
        builder.DefaultTimeout = (int)(BusyTimeout.Ticks / TimeSpan.TicksPerSecond);
        return builder.ToString();
    }

    /// <summary>
    /// What to show of a connection string in logs and messages: "SQLite (Data Source=...)" as Microsoft.Data.Sqlite's own
    /// builder writes it back, without its password (an encrypted build's key). A string the builder cannot parse is never
    /// echoed: only the parse error's kind is.
    /// </summary>
    public static string Describe(string? connectionString)
    {
        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(connectionString ?? string.Empty);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or KeyNotFoundException)
        {
            return $"SQLite (a connection string Microsoft.Data.Sqlite cannot read: {exception.GetType().Name})";
        }

        builder.Password = string.Empty;
        builder.Remove("Password");
        return $"SQLite ({builder.ConnectionString})";
    }

    // A URI file name ("file:ledger.db?cache=shared") asks SQLite itself for a shared cache.
    private static bool SharedCacheUri(string dataSource) =>
        dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
        && dataSource.IndexOf('?', StringComparison.Ordinal) is var query and >= 0
        && dataSource[(query + 1)..].Split('&').Any(p => p.Equals("cache=shared", StringComparison.OrdinalIgnoreCase));

    private static bool MemoryUri(string dataSource) =>
        dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
        && dataSource.IndexOf('?', StringComparison.Ordinal) is var query and >= 0
        && dataSource[(query + 1)..].Split('&').Any(p => p.Equals("mode=memory", StringComparison.OrdinalIgnoreCase));

    /// <summary>Creates the database file's folder, at the ledger's first use (never for a read-only ledger).</summary>
    private static string EnsureFolder(string preparedConnectionString)
    {
        var builder = new SqliteConnectionStringBuilder(preparedConnectionString);
        if (builder.Mode != SqliteOpenMode.ReadOnly)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }

        return preparedConnectionString;
    }

    /// <summary>Configures EF Core for the SQLite ledger; the migrations live in this assembly.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prepared = EnsureFolder(PrepareConnectionString(connectionString));
        LedgerProvider.Use(options, SqliteLedgerProvider.Instance);
        return options
            .UseSqlite(prepared, sqlite => sqlite
                .MigrationsAssembly(typeof(SqliteLedger).Assembly.FullName)
                .ExecutionStrategy(dependencies => LedgerExecutionStrategy.For(dependencies, SqliteLedgerErrors.Instance, 6, TimeSpan.FromSeconds(2))))
            .AddInterceptors(SqlitePragmas.Instance, SqliteStatementCache.Instance);
    }
}

/// <summary>SQLite's error codes, as the ledger needs them.</summary>
public sealed class SqliteLedgerErrors : ILedgerDatabaseErrors
{
    /// <summary>The one instance.</summary>
    public static readonly SqliteLedgerErrors Instance = new();

    private const int Busy = 5;
    private const int Locked = 6;
    private const int Constraint = 19;
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintUnique = 2067;

    /// <inheritdoc />
    public bool IsUniqueViolation(Exception exception) =>
        Find(exception) is { SqliteErrorCode: Constraint, SqliteExtendedErrorCode: ConstraintUnique or ConstraintPrimaryKey };

    /// <inheritdoc />
    public bool IsTransient(Exception exception) => Find(exception) is { SqliteErrorCode: Busy or Locked };

    private static SqliteException? Find(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is SqliteException sqlite)
            {
                return sqlite;
            }
        }

        return null;
    }
}

/// <summary>
/// Sets the ledger's pragmas on every connection: WAL (readers never block the writer), synchronous=FULL
/// (a committed fill survives power loss), foreign keys, and a busy timeout.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    /// <summary>The one instance.</summary>
    public static readonly SqlitePragmas Instance = new();

    private static readonly string Sql =
        $"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout={SqliteLedger.BusyTimeout.Ticks / TimeSpan.TicksPerMillisecond};";

    // A read-only connection (verify, report) leaves the journal mode as the writer set it: changing it is a write.
    private static readonly string ReadOnlySql =
        $"PRAGMA foreign_keys=ON; PRAGMA busy_timeout={SqliteLedger.BusyTimeout.Ticks / TimeSpan.TicksPerMillisecond};";

    private static string SqlFor(DbConnection connection) =>
        new SqliteConnectionStringBuilder(connection.ConnectionString).Mode == SqliteOpenMode.ReadOnly ? ReadOnlySql : Sql;

    /// <summary>Sets the pragmas on a connection opened outside EF Core (a kept connection).</summary>
    public static void Apply(DbConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = SqlFor(connection);
        command.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    /// <inheritdoc />
    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = SqlFor(connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>Lets <c>dotnet ef</c> build the SQLite model and migrations.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<LedgerDbContext>
{
    /// <inheritdoc />
    public LedgerDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<LedgerDbContext>)LedgerProvider.Use(new DbContextOptionsBuilder<LedgerDbContext>(), SqliteLedgerProvider.Instance)
            .UseSqlite("Data Source=design-time.db", sqlite => sqlite.MigrationsAssembly(typeof(SqliteLedger).Assembly.FullName))
            .Options);
}
