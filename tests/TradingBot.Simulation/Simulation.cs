using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Application.Ports;
using TradingBot.Application.Trading;
using TradingBot.Application.Verification;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Exchanges.Binance;
using TradingBot.Infrastructure.Exchanges.Paper;
using TradingBot.Infrastructure.Persistence;
using TradingBot.TestBinance;

namespace TradingBot.Simulation;

/// <summary>A run's settings; everything else (faults, timing, crashes) is drawn from <paramref name="Seed"/>.</summary>
public sealed record SimulationSettings(int Seed)
{
    /// <summary>Cycles with faults; then a quiet hour with none, after which the ledger must agree with the exchange.</summary>
    public int Cycles { get; init; } = 120;

    /// <summary>A run that takes longer than this in real time fails (a hang is a defect too).</summary>
    public TimeSpan WallClockCap { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How the worker reaches the exchange; null: drawn from the seed (half the seeds each way).</summary>
    public SimulatedAdapter? Adapter { get; init; }

    /// <summary>Registrations applied after the worker's own (the tests' deliberately broken rules).</summary>
    public Action<IServiceCollection>? Substitute { get; init; }

    /// <summary>Receives each trace line as it happens (the replay command prints them).</summary>
    public Action<string>? OnStep { get; init; }
}

/// <summary>What a run did and found.</summary>
public sealed record SimulationResult(
    int Seed,
    SimulatedLedger Ledger,
    FaultProfile Faults,
    IReadOnlyList<string> Trace,
    IReadOnlyList<string> Violations,
    int Crashes,
    int LeaseMoves,
    int OrdersSent,
    TimeSpan Simulated,
    TimeSpan Elapsed,
    int Cycles,
    SimulatedAdapter? Adapter = null)
{
    /// <summary>True when no invariant was broken.</summary>
    public bool Passed => Violations.Count == 0;

    /// <summary>A digest of the whole trace: two runs of a seed give the same.</summary>
    public string TraceDigest => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', Trace))));

    /// <summary>The command that replays this run step by step, printing its trace.</summary>
    public string ReplayCommand => $"dotnet run --project tests/TradingBot.Simulation -- replay --seed {Seed} --ledger {Ledger} --cycles {Cycles}{(Adapter is { } adapter ? $" --adapter {adapter}" : string.Empty)}";

    /// <summary>One paragraph for a failure message.</summary>
    public string Summary =>
        $"seed {Seed} on {Ledger}: {(Passed ? "passed" : $"{Violations.Count} violation(s)")}, {Crashes} crash(es), {LeaseMoves} lease move(s), " +
        $"{OrdersSent} order(s) sent, {Simulated.TotalHours:F1} simulated hours in {Elapsed.TotalMilliseconds:F0} ms; faults: {Faults}" +
        (Passed ? string.Empty : $"{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", Violations)}{Environment.NewLine}replay: {ReplayCommand}");
}

/// <summary>
/// One seeded run of the worker's real Application code (<see cref="TradingCycle"/> with its use cases and the strategy)
/// on a real ledger adapter, against the paper exchange's model on virtual time. One thread of control: the worker
/// holding the lease runs a cycle, the simulation checks its invariants, virtual time moves on. Every random choice —
/// the faults, the time between steps, where a worker crashes or loses its lease — comes from the seed, so a run is
/// replayed exactly by running its seed again.
/// </summary>
#pragma warning disable CA1001 // the paper exchange is disposed at the end of RunAsync, the only way to make a Simulation
public sealed partial class Simulation
#pragma warning restore CA1001
{
    private static readonly DateTimeOffset Day = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ReconcileInterval = TimeSpan.FromMinutes(5);
    private static readonly Symbol[] Symbols = [new("BTCUSDT"), new("ETHUSDT")];

    private readonly SimulationSettings _settings;
    private readonly SimulationLedgers _ledgers;
    private readonly VirtualTime _time;
    private readonly DateTimeOffset _start;
    private readonly Random _schedule;
    private readonly Random _faults;
    private readonly PaperExchange _paper;
    private readonly PaperFaults _paperFaults;
    private readonly FakeBinanceServer? _binance;
    private readonly List<string> _trace = [];
    private readonly List<string> _violations = [];
    private readonly Dictionary<string, int> _sends = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _guids = new(StringComparer.Ordinal);
    private readonly SimulatedWorker?[] _workers = new SimulatedWorker?[2];
    private string _connectionString = string.Empty;
    private SimulatedWorker? _holder;
    private ServiceProvider? _auditor;
    private bool _quiet;
    private bool _interleaving;
    private int _crashes;
    private int _leaseMoves;
    private int _restarts;

    private Simulation(SimulationSettings settings, SimulationLedgers ledgers)
    {
        _settings = settings;
        _ledgers = ledgers;
        _schedule = new Random(settings.Seed);

        // Within a few hours of the 08:00 funding settlement, so most runs see one.
        _start = Day.AddHours(5).AddMinutes(_schedule.Next(180));
        _time = new VirtualTime(_start, wait => Trace(null, $"waits {wait.TotalMilliseconds:F0} ms of virtual time"));
        _faults = new Random(unchecked(settings.Seed * 7) ^ 0x0FA1);
        Faults = FaultProfile.Draw(settings.Seed, settings.Adapter);
        var entry = 20_000 + (10_000 * _schedule.Next(3));
        Strategy = new(new FundingRate(entry), new FundingRate(entry - (_schedule.Next(2) == 0 ? 20_000 : 2_000)), Quantity.Parse("0.01"));
        _paperFaults = Faults.CopyOfPaper();
        _paper = new PaperExchange(new PaperExchangeOptions { StatePath = string.Empty, Seed = settings.Seed, Speed = 1, Faults = _paperFaults }, _time);
        _binance = Faults.Binance is null ? null : FakeBinanceServer.InProcess(_paper, _time);
    }

    /// <summary>The exchange's name in the ledger: the paper exchange's, or Binance's when the worker trades through its adapter.</summary>
    private ExchangeName ExchangeName => _binance is null ? _paper.Name : BinanceExchange.BinanceName;

    /// <summary>How long a request stays valid at the exchange the worker talks to (what <c>verify</c> allows for).</summary>
    private TimeSpan RequestValidity => _binance is null ? _paper.RequestValidity : TimeSpan.FromMilliseconds(new BinanceOptions().RecvWindowMs);

    /// <summary>This run's faults.</summary>
    internal FaultProfile Faults { get; }

    // Every quote and every reconciliation stored, as before the worker sampled them: the most writes per cycle, so the
    // most interleavings of ledger work with crashes and lease moves for the checks to search.
    private CycleSettings CycleSettingsOf(SimulatedWorker worker) =>
        new(Symbols, PollInterval, Strategy, worker.Name) { FundingSnapshotInterval = TimeSpan.Zero, StateSnapshotInterval = TimeSpan.Zero };

    /// <summary>This run's strategy: a calm one (enters at 3 bps, leaves at 1) or, drawn from the seed, a restless one whose thresholds sit within the rate's noise.</summary>
    internal FundingHarvestSettings Strategy { get; }

    /// <summary>Runs <paramref name="settings"/>'s seed on a fresh ledger of <paramref name="ledgers"/>.</summary>
    public static async Task<SimulationResult> RunAsync(SimulationSettings settings, SimulationLedgers ledgers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(ledgers);
        var simulation = new Simulation(settings, ledgers);
        var clock = Stopwatch.StartNew();
        try
        {
            await simulation.RunAsync(clock, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await simulation.StopAllAsync().ConfigureAwait(false);
            simulation._paper.Dispose();
        }

        return new SimulationResult(
            settings.Seed, ledgers.Kind, simulation.Faults, simulation._trace, simulation._violations, simulation._crashes, simulation._leaseMoves,
            simulation._sends.Count, simulation._time.GetUtcNow() - simulation._start, clock.Elapsed, settings.Cycles, settings.Adapter);
    }

    private async Task RunAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        _connectionString = await _ledgers.FreshAsync(_settings.Seed, cancellationToken).ConfigureAwait(false);
        Trace(null, $"seed {_settings.Seed} on {_ledgers.Kind}; strategy enters at {Strategy.EntryRate}, leaves at {Strategy.ExitRate}; faults: {Faults}");
        _workers[0] = StartWorker(0);
        if (!await _workers[0]!.Lease.TryAcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            Violation("the first worker could not take the lease of a fresh ledger");
            return;
        }

        _holder = _workers[0];
        if (Faults.LeaseStealPerMille > 0)
        {
            _workers[1] = StartWorker(1); // a standby, waiting for the lease
        }

        for (var cycle = 1; cycle <= _settings.Cycles && _violations.Count == 0; cycle++)
        {
            if (clock.Elapsed > _settings.WallClockCap)
            {
                Violation($"the run took longer than its wall-clock cap of {_settings.WallClockCap} (at cycle {cycle})");
                return;
            }

            await TurnAsync(cancellationToken).ConfigureAwait(false);
            await CheckAsync(final: false, cancellationToken).ConfigureAwait(false);
            _time.Advance(NextGap());
        }

        if (_violations.Count > 0)
        {
            return;
        }

        // The faults stop; within a quiet hour every order must be resolved and the ledger must agree with the exchange.
        _quiet = true;
        FaultProfile.Silence(_paperFaults);
        Trace(null, "quiet: the faults stop");
        for (var step = 0; step < 5; step++)
        {
            _time.Advance(TimeSpan.FromMinutes(12));
            await TurnAsync(cancellationToken).ConfigureAwait(false);
        }

        // The last cycle and the checks see the exchange at the same moment (a funding settlement in between would be unread).

        await FinalReconcileAsync(cancellationToken).ConfigureAwait(false);
        await CheckAsync(final: true, cancellationToken).ConfigureAwait(false);
    }

    // Mostly the worker's own pace (the host polls every few seconds), sometimes a slow stretch, now and then hours.
    private TimeSpan NextGap()
    {
        var roll = _schedule.Next(100);
        return roll < 60 ? TimeSpan.FromSeconds(2 + _schedule.Next(29))
            : roll < 85 ? TimeSpan.FromSeconds(30 + _schedule.Next(151))
            : roll < 95 ? TimeSpan.FromMinutes(3 + _schedule.Next(18))
            : TimeSpan.FromMinutes(60 + _schedule.Next(121));
    }

    // The lease holder runs one cycle, as the host's loop does: recovery first after it took the lease, a reconciliation
    // every ReconcileInterval; a failure is retried next turn, two in a row and it recovers again.
    private async Task TurnAsync(CancellationToken cancellationToken)
    {
        var worker = _holder;
        if (worker is null)
        {
            return;
        }

        var settings = CycleSettingsOf(worker);
        try
        {
            if (!worker.Recovered)
            {
                var recovery = await worker.Cycle.RecoverAsync(settings, cancellationToken).ConfigureAwait(false);
                Trace(worker, $"recovered: {recovery.PendingResolved} resolved, {recovery.FillsRecorded} fills, {recovery.FundingPaymentsRecorded} payments; {string.Join(" | ", recovery.Reconciliation?.Differences ?? [])}");
                worker.Recovered = true;
                worker.NextReconcile = _time.GetUtcNow() + ReconcileInterval;
            }

            var report = await worker.Cycle.RunAsync(settings, cancellationToken).ConfigureAwait(false);
            Trace(worker, $"cycle: {report.OrdersPlaced} placed, {report.FillsRecorded} fills, {report.FundingPaymentsRecorded} payments, {report.PendingResolved} resolved; {string.Join(" | ", report.Decisions)}");
            if (report.LeaseLost)
            {
                Trace(worker, "noticed the lease is lost; stands by");
                worker.Recovered = false;
                await worker.Lease.ReleaseAsync().ConfigureAwait(false);
            }
            else if (_time.GetUtcNow() >= worker.NextReconcile)
            {
                var reconciliation = await worker.Reconcile.ExecuteAsync(settings.Scope, cancellationToken).ConfigureAwait(false);
                Trace(worker, $"reconciled: {string.Join(" | ", reconciliation.Differences)}");
                worker.NextReconcile = _time.GetUtcNow() + ReconcileInterval;
            }

            worker.Failures = 0;
        }
        catch (Exception exception) when (worker.Dead)
        {
            Trace(worker, $"died ({exception.GetType().Name})");
            await RestartAsync(worker, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (Expected(exception))
        {
            worker.Failures++;
            worker.Recovered = worker.Recovered && worker.Failures < 2;
            Trace(worker, $"cycle failed: {exception.GetType().Name}: {Normalize(exception.GetBaseException().Message)}");
        }
        catch (Exception exception)
        {
            Violation($"{worker.Name} failed in a way no fault explains: {exception}");
        }
    }

    // What the host's loop treats as an outage to wait out: the exchange unreachable, the ledger failing more than its
    // retries (which the simulation's fault spacing avoids, but a real outage would not).
    private static bool Expected(Exception exception) =>
        exception is ExchangeException or Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException;

    private async Task FinalReconcileAsync(CancellationToken cancellationToken)
    {
        if (_holder is not { Dead: false } worker)
        {
            return;
        }

        var reconciliation = await worker.Reconcile.ExecuteAsync(CycleSettingsOf(worker).Scope, cancellationToken).ConfigureAwait(false);
        Trace(worker, $"final reconciliation: {string.Join(" | ", reconciliation.Differences)}");
    }

    private SimulatedWorker StartWorker(int slot)
    {
        var name = $"W{slot + 1}.{++_restarts}";
        SimulatedWorker? self = null;
        SimulatedWorker? Self() => self;

        var services = new ServiceCollection();
        var workerOffset = TimeSpan.FromMilliseconds(Faults.WorkerClockOffsetMilliseconds);
        if (Faults.HostClockOffsetMinutes == 0)
        {
            services.AddSingleton<TimeProvider>(_time);
        }
        else
        {
            // The whole host hours off: the Binance adapter's clock too, which measures the offset from the server's time.
            workerOffset += TimeSpan.FromMinutes(Faults.HostClockOffsetMinutes);
            services.AddSingleton<TimeProvider>(new OffsetTimeProvider(_time, workerOffset));
        }

        services.AddSingleton<IClock>(new OffsetClock(_time, workerOffset));
        services.AddSingleton<IInterceptor>(new LedgerCommandFaults(this, Self));
        services.AddSingleton<IInterceptor>(new LedgerCommitFaults(this, Self));
        _ledgers.AddTo(services, _connectionString);
        services.AddTradingBotApplication();
        if (Faults.Binance is { } binance)
        {
            // The host's own registration of the adapter; only the socket is replaced, by the in-process server. No read
            // retries: Polly's jitter draws from its own randomness, which no seed controls (the worker's next cycle retries).
            services.AddBinanceExchange(new BinanceOptions
            {
                BaseUrl = _binance!.BaseUrl,
                ApiKey = FakeBinanceServer.ApiKey,
                ApiSecret = FakeBinanceServer.ApiSecret,
                MaxReadRetries = 0,
                PageLimit = binance.PageLimit,
            });
            services.AddHttpClient(BinanceFuturesClient.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => new SimulatedHttp(this, Self, binance, _time) { InnerHandler = _binance.CreateHandler() });
            services.Decorate<IExchange>((inner, _) => new SimulatedExchange(this, Self, inner));
        }
        else
        {
            services.AddSingleton<IExchange>(provider => new SimulatedExchange(this, Self, _paper));
        }

        services.Decorate<IUnitOfWork>((inner, _) => new TracedUnitOfWork(inner, this, Self));
        _settings.Substitute?.Invoke(services);

        self = new SimulatedWorker(name, services.BuildServiceProvider());
        Trace(self, $"started; {self.Services.GetRequiredService<TradingBot.Application.Orders.OrderTiming>()}");
        return self;
    }

    // A crash: everything the process held goes (its contexts, its pools, its lease's lock); a fresh process starts in its
    // place and, when the dead one held the lease, takes it and recovers before its first decision.
    private async Task RestartAsync(SimulatedWorker dead, CancellationToken cancellationToken)
    {
        _crashes++;
        var slot = Array.IndexOf(_workers, dead);
        await dead.DisposeAsync().ConfigureAwait(false);
        _ledgers.ClearPools();
        var fresh = StartWorker(slot);
        _workers[slot] = fresh;
        if (_holder == dead)
        {
            _holder = null;
            if (await fresh.Lease.TryAcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                _holder = fresh;
            }
            else
            {
                Violation($"{fresh.Name} could not take the lease its crashed predecessor held");
            }
        }
    }

    private async Task StopAllAsync()
    {
        if (_auditor is not null)
        {
            await _auditor.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var worker in _workers)
        {
            if (worker is not null)
            {
                await worker.DisposeAsync().ConfigureAwait(false);
            }
        }

        _ledgers.ClearPools();
    }

    /// <summary>A number from the run's fault randomness, from <paramref name="min"/> up to (not including) <paramref name="max"/>.</summary>
    internal int Draw(int min, int max) => _faults.Next(min, max);

    /// <summary>True with the probability <paramref name="rate"/> in <paramref name="per"/> (never during the quiet end).</summary>
    internal bool Roll(int rate, int per) => !_quiet && rate > 0 && _faults.Next(per) < rate;

    /// <summary>An exchange call is about to be made: time passes, and the worker may stall, die or lose its lease.</summary>
    internal async Task BeforeCallAsync(SimulatedWorker worker, string what, bool mayMoveLease)
    {
        if (worker.Dead)
        {
            throw new SimulatedCrashException($"{worker.Name} is dead");
        }

        if (_quiet)
        {
            return; // the quiet end's cycles and checks all see the exchange at their own moment
        }

        _time.Advance(TimeSpan.FromMilliseconds(_schedule.Next(1500)));
        if (Roll(Faults.StallPercent, 100))
        {
            var stall = TimeSpan.FromSeconds(5 + _schedule.Next(116));
            Trace(worker, $"stalls {stall.TotalSeconds:F0} s before {what}");
            _time.Advance(stall);
        }

        Crash(worker, Faults.CrashPerMille, $"before {what}");
        if (mayMoveLease && !_interleaving && worker == _holder && _workers[1] is not null && Roll(Faults.LeaseStealPerMille, 1000))
        {
            await MoveLeaseAsync(worker).ConfigureAwait(false);

            // Half the time the first worker is paused right here (a GC pause, a frozen VM) while the new holder runs a
            // whole turn on the same ledger and exchange; then it goes on with its cycle from where it stopped, with what
            // it had read before. Only its own loop could take the lease back, so none moves while it is paused.
            if (_holder is { } next && next != worker && Roll(50, 100))
            {
                _interleaving = true;
                Trace(worker, $"pauses while {next.Name} runs a turn");
                try
                {
                    await TurnAsync(CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    _interleaving = false;
                }

                Trace(worker, "resumes its cycle");
            }
        }
    }

    /// <summary>An exchange call answered: the worker may die before it records the answer.</summary>
    internal Task AfterCallAsync(SimulatedWorker worker, string what)
    {
        Crash(worker, Faults.CrashPerMille, $"after the answer to {what}");
        return Task.CompletedTask;
    }

    private void Crash(SimulatedWorker? worker, int perMille, string where)
    {
        if (worker is not null && Roll(perMille, 1000))
        {
            worker.Dead = true;
            Trace(worker, $"crashes {where}");
            throw new SimulatedCrashException($"{worker.Name} crashed {where}");
        }
    }

    // Another worker takes the lease: the holder's lock is released under it (as when its lease connection is cut, or
    // its lock file is taken over) and it must notice before its next send.
    private async Task MoveLeaseAsync(SimulatedWorker from)
    {
        var to = _workers[0] == from ? _workers[1]! : _workers[0]!;
        await from.Lease.ReleaseAsync().ConfigureAwait(false);
        if (!await to.Lease.TryAcquireAsync(CancellationToken.None).ConfigureAwait(false))
        {
            Violation($"{to.Name} could not take the lease {from.Name} gave up");
            return;
        }

        _leaseMoves++;
        to.Recovered = false;
        _holder = to;
        Trace(from, $"loses the lease to {to.Name}");
    }

    /// <summary>A place-order request reaches the exchange: it must be the first for its key, from the lease holder.</summary>
    internal void Sent(SimulatedWorker worker, OrderRequest request)
    {
        var key = request.ClientOrderId.Value;
        var sends = _sends[key] = _sends.GetValueOrDefault(key) + 1;
        if (sends > 1)
        {
            Violation($"intent {key} reached the exchange {sends} times (sent by {worker.Name})");
        }

        if (worker != _holder)
        {
            Violation($"{worker.Name} sent {key} without holding the ledger lease (held by {_holder?.Name ?? "nobody"})");
        }
    }

    /// <summary>A ledger command is about to run.</summary>
    internal void BeforeCommand(SimulatedWorker? worker, System.Data.Common.DbCommand command)
    {
        if (worker is { Dead: true })
        {
            throw new SimulatedCrashException($"{worker.Name} is dead");
        }

        if (worker is not null && Roll(Faults.LedgerFaultPerMille, 1000))
        {
            Trace(worker, "ledger command fails transiently");
            throw _ledgers.Transient("a command");
        }

        if (worker is not null && _ledgers.CanCutConnections && command.Connection is { } connection && Roll(Faults.ConnectionCutsPer10000, 10_000))
        {
            Trace(worker, "the server ends the ledger connection under the next command");
            _ledgers.CutConnection(connection);
        }
    }

    /// <summary>A unit of work is about to begin.</summary>
    internal static void BeforeUnit(SimulatedWorker? worker)
    {
        if (worker is { Dead: true })
        {
            throw new SimulatedCrashException($"{worker.Name} is dead");
        }
    }

    internal void BeforeCommit(SimulatedWorker? worker) => Crash(worker, Faults.CrashPerMille, "before a commit");

    internal void AfterCommit(SimulatedWorker? worker)
    {
        Crash(worker, Faults.CrashPerMille, "after a commit, before its answer");
        if (worker is not null && Roll(Faults.CommitLostPerMille, 1000))
        {
            Trace(worker, "a commit's answer is lost");
            throw _ledgers.Transient("the commit's answer was lost");
        }
    }

    /// <summary>Adds a line to the trace: virtual time, the worker, what happened (GUIDs numbered by first appearance).</summary>
    internal void Trace(SimulatedWorker? worker, string what)
    {
        var line = $"{(_time.GetUtcNow() - _start).TotalSeconds,10:F3} {worker?.Name ?? "sim",-6} {Normalize(what)}";
        _trace.Add(line);
        _settings.OnStep?.Invoke(line);
    }

    private void Violation(string what)
    {
        _violations.Add(what);
        Trace(null, $"VIOLATION {what}");
    }

    // GUIDs (order ids, audit ids) are random by design; the trace names them by first appearance so runs compare.
    private string Normalize(string text) => Guids().Replace(text, m =>
    {
        if (!_guids.TryGetValue(m.Value, out var number))
        {
            number = _guids[m.Value] = _guids.Count + 1;
        }

        return string.Create(CultureInfo.InvariantCulture, $"#{number}");
    });

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guids();
}
