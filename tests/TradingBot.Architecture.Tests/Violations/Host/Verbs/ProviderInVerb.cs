using Microsoft.Data.Sqlite;
using TradingBot.Infrastructure.Postgres;

namespace TradingBot.Architecture.Tests.Violations.Host.Verbs;

/// <summary>A verb reaching the providers past the composition root: in a lambda, and in a catch clause of an async method.</summary>
public static class ProviderInVerb
{
    /// <summary>Closes SQLite's pooled connections when called.</summary>
    public static Action Release() => () => SqliteConnection.ClearAllPools();

    /// <summary>Whether the dump went through.</summary>
    public static async Task<bool> DumpsAsync(Func<Task> dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        try
        {
            await dump().ConfigureAwait(false);
            return true;
        }
        catch (PostgresToolException)
        {
            return false;
        }
    }
}
