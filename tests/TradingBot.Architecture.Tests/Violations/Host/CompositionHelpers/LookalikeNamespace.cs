using Npgsql;

namespace TradingBot.Architecture.Tests.Violations.Host.CompositionHelpers;

/// <summary>Outside the composition root although its namespace starts with the root's name: a provider type here is reported.</summary>
public static class LookalikeNamespace
{
    /// <summary>A Postgres connection string for a host.</summary>
    public static string ConnectionString(string host) => new NpgsqlConnectionStringBuilder { Host = host }.ToString();
}
