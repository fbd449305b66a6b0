using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace TradingBot.Host.Worker.Composition;

/// <summary>The ledger providers the host can run on.</summary>
internal enum LedgerProvider
{
    Sqlite,
    Postgres,
}

/// <summary>The <c>Ledger</c> section and <c>ConnectionStrings:Ledger</c>, read and checked.</summary>
internal sealed record LedgerSettings(LedgerProvider Provider, string ConnectionString, bool MigrateOnStart)
{
    public const string DefaultSqlite = "Data Source=data/ledger.db";

    /// <summary>Reads the settings; a wrong value throws <see cref="HostConfigurationException"/> naming it.</summary>
    public static LedgerSettings From(IConfiguration configuration)
    {
        var provider = ConfigurationChoice.Parse(configuration["Ledger:Provider"], "Ledger:Provider", LedgerProvider.Sqlite);

        var migrateText = configuration["Ledger:MigrateOnStart"];
        var migrateOnStart = true;
        if (!string.IsNullOrWhiteSpace(migrateText) && !bool.TryParse(migrateText, out migrateOnStart))
        {
            throw new HostConfigurationException($"Ledger:MigrateOnStart is '{migrateText}'; expected true or false.");
        }

        var connectionString = configuration.GetConnectionString("Ledger");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider == LedgerProvider.Postgres)
            {
                throw new HostConfigurationException("ConnectionStrings:Ledger is required when Ledger:Provider is Postgres (e.g. 'Host=db.example.com;Database=tradingbot;Username=bot;Password=...').");
            }

            connectionString = DefaultSqlite;
        }

        return new LedgerSettings(provider, connectionString, migrateOnStart);
    }

    /// <summary>Registers the configured provider; a malformed connection string throws naming the setting.</summary>
    public void AddTo(IServiceCollection services)
    {
        try
        {
            _ = Provider == LedgerProvider.Postgres
                ? services.AddPostgresLedger(ConnectionString)
                : services.AddSqliteLedger(ConnectionString);
        }
        catch (ArgumentException exception)
        {
            throw new HostConfigurationException($"ConnectionStrings:Ledger is not usable for {Provider}: {exception.Message.Replace(ConnectionString, "(not shown)", StringComparison.Ordinal)}", exception);
        }
    }

    /// <summary>A file beside the SQLite ledger (or under data/ when the ledger is on Postgres).</summary>
    public string DefaultFileBeside(string fileName)
    {
        if (Provider == LedgerProvider.Sqlite)
        {
            var dataSource = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource;
            var folder = Path.GetDirectoryName(dataSource);
            return string.IsNullOrEmpty(folder) ? fileName : Path.Combine(folder, fileName);
        }

        return Path.Combine("data", fileName);
    }

    /// <summary>What to log about the ledger, through the provider's own builder: never a password, whatever its spelling.</summary>
    public string Describe() => Provider == LedgerProvider.Postgres
        ? TradingBot.Infrastructure.Postgres.PostgresLedger.Describe(ConnectionString)
        : TradingBot.Infrastructure.Sqlite.SqliteLedger.Describe(ConnectionString);
}
