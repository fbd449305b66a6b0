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

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitioned the new ledger's funding_snapshots and audit_log by month (Ledger:Partitioning=Monthly).")]
    public static partial void PartitionedByMonth(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Made the ledger's partitions {Partitions}; {Rows} row(s) moved into them from the default partition.")]
    public static partial void PartitionsMade(this ILogger logger, string partitions, long rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger's partitions for the months ahead could not be made; trading goes on (a row of a month with no partition waits in the default one), tried again in {Retry}: {Problem}")]
    public static partial void PartitionsNotMade(this ILogger logger, TimeSpan retry, string problem, Exception exception);

    /// <summary>What <see cref="TradingBot.Infrastructure.Persistence.LedgerMigrator.PreparePartitionsAsync"/> did, if anything.</summary>
    public static void Partitions(this ILogger logger, TradingBot.Infrastructure.Persistence.Partitions.LedgerPartitionsReport report)
    {
        if (report.Converted)
        {
            logger.PartitionedByMonth();
        }

        if (report.Created.Count > 0 && logger.IsEnabled(LogLevel.Information))
        {
            logger.PartitionsMade(string.Join(", ", report.Created), report.RowsMoved);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gave {Fills} fill(s) of {Positions} position(s), recorded before the ledger kept each fill's realized PnL, their value, and rebuilt those positions' PnL per day.")]
    public static partial void RealizedPnlFilledIn(this ILogger logger, long fills, int positions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Actor} is active: it holds the ledger lease and trades {Symbols} on {Exchange}.")]
    public static partial void Active(this ILogger logger, string actor, string symbols, string exchange);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Actor} is standby: another worker holds the ledger lease; retrying every {Interval}.")]
    public static partial void Standby(this ILogger logger, string actor, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Actor} lost the ledger lease (or could not confirm it before sending an order); it stops trading until it holds it again.")]
    public static partial void LeaseLost(this ILogger logger, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered: {Resolved} pending order(s) resolved, {Fills} fill(s) and {Payments} funding payment(s) backfilled.")]
    public static partial void Recovered(this ILogger logger, int resolved, int fills, int payments);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cycle: {Placed} order(s) placed, {Fills} fill(s), {Payments} funding payment(s), {Resolved} pending resolved. {Decisions}")]
    public static partial void Cycle(this ILogger logger, int placed, int fills, int payments, int resolved, string decisions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciled with the exchange: {Differences} difference(s). {Details}")]
    public static partial void Reconciled(this ILogger logger, int differences, string details);

    [LoggerMessage(Level = LogLevel.Error, Message = "The cycle failed; trading is paused and retried in {Delay}: {Problem}")]
    public static partial void CycleFailed(this ILogger logger, TimeSpan delay, string problem, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Symbol {Symbol} is halted ({Reason}): {Detail}. The worker places no order for it until the cause is gone; `report` and `verify --against-exchange` show it (README: What the worker trusts).")]
    public static partial void SymbolHalted(this ILogger logger, string symbol, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Symbol {Symbol} is no longer halted ({Reason} is resolved); it trades again.")]
    public static partial void SymbolReleased(this ILogger logger, string symbol, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} open order(s) at the exchange were not placed by this ledger: {Orders}")]
    public static partial void ForeignOpenOrders(this ILogger logger, int count, string orders);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Note}")]
    public static partial void RuleNote(this ILogger logger, string note);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Configuration error: {Problem}. The worker stops before any decision.")]
    public static partial void ConfigurationRefused(this ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This process ignores SIGINT, inherited from what started it (a non-interactive shell's background job ignores it): SIGINT and Ctrl+C do not stop the worker. Stop it with SIGTERM (kill PID, systemctl stop, docker stop), which finishes the step in progress.")]
    public static partial void InterruptIgnored(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: the step in progress is finished; nothing is left half-written.")]
    public static partial void Stopping(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The ledger {Ledger} was copied to {Target} at {CopiedAt:u}; that copy is the ledger now, and two ledgers must never trade one account. Switch Ledger:Provider and ConnectionStrings:Ledger to it, or give --force to run on this one all the same. The worker stops before any decision.")]
    public static partial void Fenced(this ILogger logger, string ledger, string target, DateTimeOffset? copiedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger {Ledger} was copied to {Target}; running on it all the same because of --force. Do not run a worker on the copy too.")]
    public static partial void FenceForced(this ILogger logger, string ledger, string target);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The ledger {Ledger} is an unfinished copy of {Source}: it holds part of a ledger. Run copy-ledger again to finish it. The worker stops before any decision.")]
    public static partial void UnfinishedCopy(this ILogger logger, string ledger, string source);
}
