using Microsoft.Data.Sqlite;

namespace TradingBot.Architecture.Tests.Violations.Host.Composition;

/// <summary>A composition root using a provider type: what the host rule allows.</summary>
public static class SqliteComposition
{
    /// <summary>The connection string of a SQLite file.</summary>
    public static string ConnectionString(string file) => new SqliteConnectionStringBuilder { DataSource = file }.ToString();
}
