using TradingBot.Domain.Reconciliation;

namespace TradingBot.Host.Worker.Operations;

/// <summary>One message to the operator.</summary>
/// <param name="Condition">What it is about: <c>halt:BTCUSDT</c>, <c>paused</c>, <c>lease</c>.</param>
/// <param name="Recovered">False when the condition began, true when it ended.</param>
/// <param name="Text">The message, one line.</param>
/// <param name="At">When it was raised.</param>
internal sealed record Alert(string Condition, bool Recovered, string Text, DateTimeOffset At);

/// <summary>
/// When to tell the operator: a symbol halts, trading has been paused by failures for longer than
/// <paramref name="pausedAfter"/>, the lease is lost; and when each recovers. A condition is announced at most once per
/// <paramref name="interval"/> (a symbol that halts and lifts every minute is one message an interval, not sixty); one
/// that begins again within the interval and lasts is announced when the interval has passed (<see cref="Tick"/>); its
/// recovery is announced only when its beginning was. <paramref name="send"/> must not block: it queues.
/// </summary>
internal sealed class AlertRules(TimeProvider time, TimeSpan pausedAfter, TimeSpan interval, string worker, Action<Alert> send)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _announcedAt = new(StringComparer.Ordinal);
    private readonly HashSet<string> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _held = new(StringComparer.Ordinal);

    /// <summary>A symbol halted.</summary>
    public void Halted(SymbolHalt halt)
    {
        ArgumentNullException.ThrowIfNull(halt);
        Begin($"halt:{halt.Symbol}", $"TradingBot {worker}: {halt.Symbol} halted ({halt.Reason.ToCode()}): {halt.Detail}. No new decisions on it until the cause is gone.");
    }

    /// <summary>A symbol's halt lifted.</summary>
    public void Released(SymbolHalt halt)
    {
        ArgumentNullException.ThrowIfNull(halt);
        End($"halt:{halt.Symbol}", $"TradingBot {worker}: {halt.Symbol} trades again: its halt ({halt.Reason.ToCode()}) lifted.");
    }

    /// <summary>Trading has been paused by failures for <paramref name="pausedFor"/>.</summary>
    public void Paused(TimeSpan pausedFor, string problem)
    {
        if (pausedFor >= pausedAfter)
        {
            Begin("paused", $"TradingBot {worker}: trading paused for {pausedFor:c} by failures; the latest: {problem}");
        }
    }

    /// <summary>A cycle succeeded after failures.</summary>
    public void Resumed() => End("paused", $"TradingBot {worker}: trading resumed; cycles succeed again.");

    /// <summary>The lease was lost.</summary>
    public void LeaseLost() => Begin("lease", $"TradingBot {worker}: lost the ledger lease; it stopped trading (another worker may hold it).");

    /// <summary>The lease is held.</summary>
    public void LeaseHeld() => End("lease", $"TradingBot {worker}: holds the ledger lease again and trades.");

    /// <summary>A pause ends because this worker no longer trades (standby), not because cycles succeed.</summary>
    public void NotTrading() => End("paused", $"TradingBot {worker}: no longer paused: this worker is standby and does not trade.");

    /// <summary>Announces each condition held back by the interval that still lasts once its interval has passed; the loop calls it every turn.</summary>
    public void Tick()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            foreach (var (condition, text) in _held.Where(h => now - _announcedAt[h.Key] >= interval).ToList())
            {
                _held.Remove(condition);
                Announce(condition, text, now);
            }
        }
    }

    private void Begin(string condition, string text)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_open.Contains(condition))
            {
                return;
            }

            if (_announcedAt.TryGetValue(condition, out var last) && now - last < interval)
            {
                _held[condition] = text;
                return;
            }

            Announce(condition, text, now);
        }
    }

    private void Announce(string condition, string text, DateTimeOffset now)
    {
        _announcedAt[condition] = now;
        _open.Add(condition);
        send(new Alert(condition, false, text, now));
    }

    private void End(string condition, string text)
    {
        lock (_gate)
        {
            _held.Remove(condition);
            if (_open.Remove(condition))
            {
                send(new Alert(condition, true, text, time.GetUtcNow()));
            }
        }
    }
}
