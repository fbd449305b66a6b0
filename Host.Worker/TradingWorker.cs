using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingBot.Application.Ports;
using TradingBot.Application.Reconciliation;
using TradingBot.Application.Telemetry;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Reconciliation;
using TradingBot.Application.Trading;
using TradingBot.Domain.Audit;
using TradingBot.Host.Worker.Composition;
using TradingBot.Host.Worker.Operations;
using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Copy;

using TradingBot.Hosting;

namespace TradingBot.Host.Worker;

/// <summary>
/// The loop. It trades only while it holds the ledger lease (confirmed again right before every order is sent: a
/// worker that cannot confirm it stops deciding and goes to standby); it migrates (unless disabled), checks the
/// traded symbols and order quantity against the exchange's rules (a problem stops the host, exit code 2), and
/// recovers and reconciles every traded symbol before its first decision; each cycle runs to its end even when a
/// stop is requested, so nothing is left half-done; any failure (the ledger or the exchange unreachable) pauses
/// trading with capped exponential backoff until the next cycle succeeds. A halted symbol gets one error line when
/// it halts and one when the halt lifts.
/// </summary>
internal sealed partial class TradingWorker(
    ILedgerLease lease,
    LedgerMigrator migrator,
    IDbContextFactory<LedgerDbContext> contexts,
    RunRequest runRequest,
    TradingCycle cycle,
    Reconcile reconcile,
    CheckTradingRules checkRules,
    IUnitOfWork ledger,
    IExchange exchange,
    IClock clock,
    TimeProvider time,
    IOptions<WorkerOptions> workerOptions,
    IOptions<StrategyOptions> strategyOptions,
    LedgerSettings ledgerSettings,
    TradingBotMetrics metrics,
    WorkerState state,
    WorkerExit exit,
    IHostApplicationLifetime lifetime,
    ILogger<TradingWorker> log) : BackgroundService
{
    private static readonly TimeSpan StandbyRetry = TimeSpan.FromSeconds(2);

    // A partitioned ledger's months are made ahead (LedgerMigrator.MonthsAhead) at start and checked this often after.
    private static readonly TimeSpan PartitionCheckInterval = TimeSpan.FromHours(24);
    private static readonly TimeSpan PartitionRetry = TimeSpan.FromHours(1);

    private DateTimeOffset _nextPartitionCheck = DateTimeOffset.MaxValue;

    /// <summary>The worker's identity in logs and DECISION events.</summary>
    public static string Actor { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = workerOptions.Value;
        var settings = new CycleSettings(strategyOptions.Value.ToSymbols(), options.PollInterval, strategyOptions.Value.ToSettings(), Actor)
        {
            FundingSnapshotInterval = options.FundingSnapshotInterval,
            StateSnapshotInterval = options.StateSnapshotInterval,
        };
        if (StopSignals.InterruptIgnoredNow())
        {
            log.InterruptIgnored();
        }

        var failures = 0;
        var recovered = false;
        var standbyLogged = false;
        var nextReconcile = DateTimeOffset.MinValue;

        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = options.PollInterval;
            try
            {
                var held = await lease.IsHeldAsync(CancellationToken.None).ConfigureAwait(false);
                metrics.LeaseHeld(held);
                if (!held)
                {
                    if (recovered)
                    {
                        log.LeaseLost(Actor);
                        state.LeaseLost();
                        recovered = false;
                    }

                    if (!await lease.TryAcquireAsync(CancellationToken.None).ConfigureAwait(false))
                    {
                        if (!standbyLogged)
                        {
                            log.Standby(Actor, StandbyRetry);
                            standbyLogged = true;
                        }

                        state.StandbyChecked();

                        await Task.Delay(StandbyRetry, time, stoppingToken).ConfigureAwait(false);
                        continue;
                    }

                    standbyLogged = false;
                    metrics.LeaseHeld(true);
                }

                state.LeaseHeld();

                // Steps run to their end once started: a stop request is honoured between steps.
                if (!recovered)
                {
                    if (!await PrepareAsync(settings).ConfigureAwait(false))
                    {
                        break;
                    }

                    recovered = true;
                    nextReconcile = clock.UtcNow + options.ReconcileInterval; // the start-up reconciliation just ran
                }

                var report = await cycle.RunAsync(settings, CancellationToken.None).ConfigureAwait(false);
                var decisions = string.Join(" | ", report.Decisions);
                log.Cycle(report.OrdersPlaced, report.FillsRecorded, report.FundingPaymentsRecorded, report.PendingResolved, decisions);
                LogHalts(report.HaltChanges);
                if (report.LeaseLost)
                {
                    // Nothing was sent; the next holder of the lease resolves the intent after its deadline.
                    log.LeaseLost(Actor);
                    state.LeaseLost();
                    recovered = false;
                    await lease.ReleaseAsync().ConfigureAwait(false);
                    metrics.LeaseHeld(false);
                }
                else if (clock.UtcNow >= nextReconcile)
                {
                    var reconciliation = await reconcile.ExecuteAsync(settings.Scope, CancellationToken.None).ConfigureAwait(false);
                    LogReconciliation(reconciliation);
                    nextReconcile = clock.UtcNow + options.ReconcileInterval;
                }

                if (clock.UtcNow >= _nextPartitionCheck)
                {
                    await MaintainPartitionsAsync().ConfigureAwait(false);
                }

                failures = 0;
                state.CycleCompleted();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                failures++;
                delay = Backoff(failures, options);
                var problem = exception.GetBaseException().Message;
                log.CycleFailed(delay, problem, exception);
                state.CycleFailed(problem);
                await TryAuditErrorAsync(problem).ConfigureAwait(false);
                recovered = recovered && failures < 2; // after repeated failures, recover again (resolve, backfill) before deciding
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        log.Stopping();
        if (recovered)
        {
            // A last look at orders whose answer was lost in the final cycle, and at their trades, so the ledger
            // stops with nothing PENDING or unrecorded that it could have resolved.
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await cycle.RecoverAsync(settings, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Left PENDING: the next start resolves it before any decision.
            }
        }

        await lease.ReleaseAsync().ConfigureAwait(false);
        metrics.LeaseHeld(false);
    }

    internal static TimeSpan Backoff(int failures, WorkerOptions options)
    {
        var exponential = TimeSpan.FromSeconds(1L << Math.Clamp(failures - 1, 0, 16));
        var capped = exponential < options.MaxBackoff ? exponential : options.MaxBackoff;
        return capped > options.PollInterval ? capped : options.PollInterval;
    }

    private void LogReconciliation(ReconciliationReport reconciliation)
    {
        var details = string.Join(" | ", reconciliation.Differences);
        log.Reconciled(reconciliation.Differences.Count, details);
        if (reconciliation.ForeignOpenOrders.Count > 0)
        {
            var foreign = string.Join(" | ", reconciliation.ForeignOpenOrders.Select(o => $"{o.Symbol} {o.NativeType} {o.Side.ToCode()} {o.Quantity} ({o.ClientOrderId})"));
            log.ForeignOpenOrders(reconciliation.ForeignOpenOrders.Count, foreign);
        }

        LogHalts(reconciliation.HaltChanges);
        state.HaltsAre(reconciliation.ActiveHalts);
    }

    private void LogHalts(IReadOnlyList<HaltChange> changes)
    {
        state.HaltsChanged(changes);
        foreach (var change in changes)
        {
            var symbol = change.Halt.Symbol.Value;
            var reason = change.Halt.Reason.ToCode();
            if (change.Began)
            {
                log.SymbolHalted(symbol, reason, change.Halt.Detail);
            }
            else
            {
                log.SymbolReleased(symbol, reason);
            }
        }
    }

    // Migrates, checks the exchange's rules and recovers; false when a setting the exchange refuses stops the host.
    private async Task<bool> PrepareAsync(CycleSettings settings)
    {
        var description = ledgerSettings.Describe();
        log.LedgerIs(description);
        if (ledgerSettings.MigrateOnStart)
        {
            var applied = await migrator.MigrateAsync(CancellationToken.None).ConfigureAwait(false);
            if (applied.Count > 0)
            {
                var names = string.Join(", ", applied);
                log.MigrationsApplied(applied.Count, names);
            }
        }

        var copies = await LedgerCopier.StatusAsync(contexts, CancellationToken.None).ConfigureAwait(false);
        if (copies.UnfinishedCopyOf is { } copyingFrom)
        {
            log.UnfinishedCopy(description, copyingFrom);
            exit.Code = Verbs.WorkerCommandLine.CopyInTheWay;
            lifetime.StopApplication();
            return false;
        }

        if (copies.CopiedTo is { } copiedTo)
        {
            if (!runRequest.Force)
            {
                log.Fenced(description, copiedTo, copies.CopiedAt);
                exit.Code = Verbs.WorkerCommandLine.CopyInTheWay;
                lifetime.StopApplication();
                return false;
            }

            log.FenceForced(description, copiedTo);
        }

        // The time series as Ledger:Partitioning says: a new ledger partitioned (a failure here is retried like any start
        // step: no row may be written to a ledger that is to be partitioned first), then a partitioned one's months made.
        try
        {
            var partitioning = await migrator.EnsurePartitioningAsync(CancellationToken.None).ConfigureAwait(false);
            log.Partitions(partitioning);
            if (partitioning.Partitioned)
            {
                await MaintainPartitionsAsync().ConfigureAwait(false);
            }
        }
        catch (TradingBot.Infrastructure.Persistence.Partitions.LedgerPartitioningException exception)
        {
            log.ConfigurationRefused(exception.Message);
            exit.Code = Verbs.WorkerCommandLine.ConfigurationError;
            lifetime.StopApplication();
            return false;
        }

        // Fills recorded before the ledger kept each fill's realized PnL (an upgrade): read on an index of only those.
        var filledIn = await migrator.FillInRealizedPnlAsync(CancellationToken.None).ConfigureAwait(false);
        if (filledIn.Positions > 0)
        {
            log.RealizedPnlFilledIn(filledIn.Fills, filledIn.Positions);
        }

        var symbols = string.Join(", ", settings.Symbols);
        var exchangeName = exchange.Name.Value;
        var check = await checkRules.ExecuteAsync(settings, CancellationToken.None).ConfigureAwait(false);
        foreach (var note in check.Notes)
        {
            log.RuleNote(note);
        }

        if (check.Problems.Count > 0)
        {
            foreach (var problem in check.Problems)
            {
                log.ConfigurationRefused(problem);
            }

            exit.Code = Verbs.WorkerCommandLine.ConfigurationError;
            lifetime.StopApplication();
            return false;
        }

        log.Active(Actor, symbols, exchangeName);
        var recovery = await cycle.RecoverAsync(settings, CancellationToken.None).ConfigureAwait(false);
        log.Recovered(recovery.PendingResolved, recovery.FillsRecorded, recovery.FundingPaymentsRecorded);
        if (recovery.Reconciliation is { } reconciliation)
        {
            LogReconciliation(reconciliation);
        }

        return true;
    }

    // Trading goes on when this fails: a row of a month with no partition lands in the default one and moves into its
    // month when that is made; the check comes again an hour later.
    private async Task MaintainPartitionsAsync()
    {
        try
        {
            log.Partitions(await migrator.MakeMonthsAsync(clock.UtcNow, CancellationToken.None).ConfigureAwait(false));
            _nextPartitionCheck = clock.UtcNow + PartitionCheckInterval;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            log.PartitionsNotMade(PartitionRetry, exception.Message, exception);
            _nextPartitionCheck = clock.UtcNow + PartitionRetry;
        }
    }

    private async Task TryAuditErrorAsync(string problem)
    {
        try
        {
            // Made once, outside the unit of work: a re-run after a lost commit answer appends the same event, not a second one.
            var error = AuditEvent.Create(AuditEventType.Error, clock.UtcNow, ("error", problem), ("actor", Actor));
            await ledger.ExecuteAsync(
                async (session, ct) =>
                {
                    await session.Audit.AppendAsync(error, ct).ConfigureAwait(false);
                    return true;
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The ledger itself may be what is down; the log line above already tells.
        }
    }
}
