using TradingBot.Application.Reconciliation;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Host.Worker.Operations;

/// <summary>What the worker is doing.</summary>
internal enum WorkerRole
{
    /// <summary>Started; has not yet held or been refused the lease.</summary>
    Starting,

    /// <summary>Holds the ledger lease and trades.</summary>
    Active,

    /// <summary>Another worker holds the lease; this one waits to take over.</summary>
    Standby,
}

/// <summary>
/// What the loop last did, as the health endpoint and the alerts read it: the loop reports here, nothing here calls
/// back into trading. Every member is safe to call from any thread.
/// </summary>
internal sealed class WorkerState(TimeProvider time, AlertRules? alerts = null)
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, SymbolHalt> _halted = new(StringComparer.Ordinal);
    private DateTimeOffset _lastLoopAt = time.GetUtcNow();
    private DateTimeOffset? _failingSince;
    private string? _lastProblem;
    private WorkerRole _role = WorkerRole.Starting;

    /// <summary>The worker's role now.</summary>
    public WorkerRole Role
    {
        get
        {
            lock (_gate)
            {
                return _role;
            }
        }
    }

    /// <summary>When the loop last completed a cycle or a standby check (the host's start before the first).</summary>
    public DateTimeOffset LastLoopAt
    {
        get
        {
            lock (_gate)
            {
                return _lastLoopAt;
            }
        }
    }

    /// <summary>The halted symbols, by name.</summary>
    public IReadOnlyList<SymbolHalt> Halted
    {
        get
        {
            lock (_gate)
            {
                return [.. _halted.Values];
            }
        }
    }

    /// <summary>Another worker holds the lease: this one checked and waits.</summary>
    public void StandbyChecked()
    {
        lock (_gate)
        {
            var wasActive = _role == WorkerRole.Active;
            _role = WorkerRole.Standby;
            _lastLoopAt = time.GetUtcNow();
            NotTrading();
            if (wasActive)
            {
                alerts?.LeaseLost();
            }

            alerts?.Tick();
        }
    }

    /// <summary>The lease is held (again).</summary>
    public void LeaseHeld()
    {
        lock (_gate)
        {
            _role = WorkerRole.Active;
            alerts?.LeaseHeld();
        }
    }

    /// <summary>The lease was lost or could not be confirmed: trading stops until it is held again.</summary>
    public void LeaseLost()
    {
        lock (_gate)
        {
            if (_role == WorkerRole.Active)
            {
                alerts?.LeaseLost();
            }

            _role = WorkerRole.Standby;
            NotTrading();
        }
    }

    /// <summary>A cycle (and the reconciliation after it, if due) ran to its end.</summary>
    public void CycleCompleted()
    {
        lock (_gate)
        {
            _lastLoopAt = time.GetUtcNow();
            if (_failingSince is not null)
            {
                _failingSince = null;
                _lastProblem = null;
                alerts?.Resumed();
            }

            alerts?.Tick();
        }
    }

    /// <summary>
    /// A cycle failed: trading is paused until one succeeds. The loop went round all the same, so liveness holds: a
    /// restart cures no outage. A standby's failure pauses nothing it was doing.
    /// </summary>
    public void CycleFailed(string problem)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            _lastLoopAt = now;
            if (_role != WorkerRole.Standby)
            {
                _failingSince ??= now;
                _lastProblem = problem;
                alerts?.Paused(now - _failingSince.Value, problem);
            }

            alerts?.Tick();
        }
    }

    // This worker stopped trading (standby): a pause of its trading, if any, is over, and a later one starts afresh.
    private void NotTrading()
    {
        if (_failingSince is not null)
        {
            _failingSince = null;
            _lastProblem = null;
            alerts?.NotTrading();
        }
    }

    /// <summary>Halts that began or lifted.</summary>
    public void HaltsChanged(IEnumerable<HaltChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_gate)
        {
            foreach (var change in changes)
            {
                var symbol = change.Halt.Symbol.Value;
                if (change.Began)
                {
                    _halted[symbol] = change.Halt;
                    alerts?.Halted(change.Halt);
                }
                else if (_halted.Remove(symbol))
                {
                    alerts?.Released(change.Halt);
                }
            }
        }
    }

    /// <summary>Every symbol halted now, as a reconciliation found them (a halt the loop missed is added, a lifted one goes).</summary>
    public void HaltsAre(IReadOnlyList<SymbolHalt> active)
    {
        ArgumentNullException.ThrowIfNull(active);
        var now = active.Select(h => h.Symbol.Value).ToHashSet(StringComparer.Ordinal);
        List<HaltChange> changes;
        lock (_gate)
        {
            changes = [.. active.Where(h => !_halted.ContainsKey(h.Symbol.Value)).Select(h => new HaltChange(h, true)),
                .. _halted.Values.Where(h => !now.Contains(h.Symbol.Value)).Select(h => new HaltChange(h, false))];
        }

        HaltsChanged(changes);
    }
}
