using Microsoft.Extensions.Logging;

namespace TradingBot.Host.Worker.Composition;

/// <summary>The host's log messages.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Ledger: {Ledger}")]
    public static partial void LedgerIs(this ILogger logger, string ledger);

    [LoggerMessage(Level = LogLevel.Information, Message = "The ledger schema is up to date.")]
    public static partial void SchemaUpToDate(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Count} migration(s): {Migrations}")]
    public static partial void MigrationsApplied(this ILogger logger, int count, string migrations);
}
