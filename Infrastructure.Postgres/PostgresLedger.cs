using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Writes;

namespace TradingBot.Infrastructure.Postgres;

/// <summary>The ledger on PostgreSQL: options and error classification.</summary>
public static class PostgresLedger
{
    /// <summary>
    /// Checks a Postgres connection string; throws <see cref="ArgumentException"/> naming the problem. <paramref name="throughPooler"/>:
    /// the connection goes through a transaction-mode pooler, so no statement is kept prepared across transactions.
    /// </summary>
    public static string PrepareConnectionString(string connectionString, bool throughPooler = false)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("the Postgres connection string is empty; expected e.g. 'Host=localhost;Database=tradingbot;Username=bot;Password=...'", nameof(connectionString));
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException)
        {
            // The parser's message can quote the text it choked on, which may be a password: only its kind is named.
            throw new ArgumentException($"the Postgres connection string is malformed ({exception.GetType().Name}: {FirstClause(exception.Message)}); check its Key=Value pairs", nameof(connectionString), exception);
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ArgumentException("the Postgres connection string names no server ('Host=...')", nameof(connectionString));
        }

        // Unless the caller chose otherwise: keep the ledger's few hot statements prepared on the server across
        // units of work (no DISCARD ALL when a pooled connection is reused; the ledger sets no session state,
        // and its lease lives on its own unpooled connection).
        if (throughPooler && builder.MaxAutoPrepare > 0 && HasKey(connectionString, "Max Auto Prepare"))
        {
            throw new ArgumentException($"Max Auto Prepare is {builder.MaxAutoPrepare}, but behind a transaction-mode pooler a statement prepared in one transaction is gone in the next; leave it out or set it to 0", nameof(connectionString));
        }

        if (!HasKey(connectionString, "Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = throughPooler ? 0 : 32;
        }

        if (!HasKey(connectionString, "No Reset On Close"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// What to show of a connection string in logs and messages: "Postgres (Host=...;Database=...)" as Npgsql's own
    /// builder writes it back, with every password removed whatever its spelling (Password, PWD, PSW) or quoting, and the
    /// client-certificate password too. A string the builder cannot parse is never echoed: only the parse error is.
    /// </summary>
    public static string Describe(string? connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString ?? string.Empty);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException)
        {
            return $"Postgres (a connection string Npgsql cannot read: {exception.GetType().Name})";
        }

        builder.Password = null;
        builder.SslPassword = null;
        return $"Postgres ({builder.ConnectionString})";
    }

    private static bool HasKey(string connectionString, string key) =>
        connectionString.Replace(" ", string.Empty, StringComparison.Ordinal).Contains(key.Replace(" ", string.Empty, StringComparison.Ordinal) + "=", StringComparison.OrdinalIgnoreCase);

    // "Keyword not supported: 'pasword'." names a key, never a value; anything after a quote mark is cut so no value is shown.
    private static string FirstClause(string message)
    {
        var cut = message.IndexOf(':', StringComparison.Ordinal);
        var head = cut < 0 ? message : message[..cut];
        return message.StartsWith("Keyword not supported", StringComparison.Ordinal) ? message.TrimEnd('.') : head;
    }

    /// <summary>Configures EF Core for the Postgres ledger; the migrations live in this assembly.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString, bool throughPooler = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        LedgerProvider.Use(options, PostgresLedgerProvider.Instance);
        return options.UseNpgsql(PrepareConnectionString(connectionString, throughPooler), npgsql => npgsql
            .MigrationsAssembly(typeof(PostgresLedger).Assembly.FullName)
            .ExecutionStrategy(dependencies => LedgerExecutionStrategy.For(dependencies, PostgresLedgerErrors.Instance, 6, TimeSpan.FromSeconds(5))));
    }
}

/// <summary>Postgres error classification: SQLSTATE 23505 is a unique violation; connection loss, 40001 and 40P01 are transient.</summary>
public sealed class PostgresLedgerErrors : ILedgerDatabaseErrors
{
    /// <summary>The one instance.</summary>
    public static readonly PostgresLedgerErrors Instance = new();

    /// <inheritdoc />
    public bool IsUniqueViolation(Exception exception) =>
        Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <inheritdoc />
    public bool IsTransient(Exception exception) =>
        Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected }
        || Find<NpgsqlException>(exception) is { IsTransient: true }
        || (exception is InvalidOperationException && Find<NpgsqlException>(exception.InnerException) is { IsTransient: true });

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T match)
            {
                return match;
            }
        }

        return null;
    }
}

/// <summary>Lets <c>dotnet ef</c> build the Postgres model and migrations (no server is contacted).</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<LedgerDbContext>
{
    /// <inheritdoc />
    public LedgerDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<LedgerDbContext>)LedgerProvider.Use(new DbContextOptionsBuilder<LedgerDbContext>(), PostgresLedgerProvider.Instance)
            .UseNpgsql("Host=localhost;Database=tradingbot_design", npgsql => npgsql.MigrationsAssembly(typeof(PostgresLedger).Assembly.FullName))
            .Options);
}
