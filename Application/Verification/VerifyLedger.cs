using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Positions;

namespace TradingBot.Application.Verification;

/// <summary>The ledger's invariants that do not hold, one line each.</summary>
/// <param name="Violations">Each broken invariant.</param>
/// <param name="OrdersChecked">How many orders were checked.</param>
/// <param name="FillsChecked">How many fills were checked.</param>
/// <param name="PositionsChecked">How many positions were replayed.</param>
public sealed record VerificationReport(IReadOnlyList<string> Violations, int OrdersChecked, int FillsChecked, int PositionsChecked)
{
    /// <summary>True when every invariant holds.</summary>
    public bool Passed => Violations.Count == 0;
}

/// <summary>
/// Checks what a trading ledger lives by: every order's status agrees with its fills, no order is over-filled,
/// each position equals a replay of its fills and funding payments, each fill's stored realized PnL and each day's
/// stored totals (<see cref="IPnlDayRepository"/>) are what that replay realizes, no PENDING order is past the moment a worker
/// judges it (<see cref="OrderTiming.NeverPlacedAfter"/>, the same deadline) by more than <c>resolutionGrace</c>,
/// and the storage itself has no duplicate keys or fill ids, no orphan fills and, on SQLite, passes PRAGMA
/// integrity_check.
/// </summary>
public sealed class VerifyLedger(IUnitOfWork ledger, ILedgerIntegrity integrity, IClock clock, OrderTiming timing)
{
    /// <summary>
    /// How many fills the replay holds back, at most, waiting for the fills before them in their position's sequence
    /// (about 15 MB); past it, the fills are read again sorted by the database.
    /// </summary>
    internal int HeldFillsLimit { get; init; } = 50_000;

    /// <summary>
    /// Runs every check. <paramref name="requestValidity"/> is the exchange's (Binance: recvWindow);
    /// <paramref name="resolutionGrace"/> is how long a running worker may take to act on a deadline (a cycle or two).
    /// </summary>
    public async Task<VerificationReport> ExecuteAsync(TimeSpan requestValidity, TimeSpan resolutionGrace, CancellationToken cancellationToken)
    {
        var storage = await integrity.CheckStorageAsync(cancellationToken).ConfigureAwait(false);
        var now = clock.UtcNow;

        // One snapshot: a fill committed by a running worker between two of these reads would otherwise look like an
        // order whose fills do not add up. Orders and fills stream through it one order at a time, so memory stays
        // bounded whatever the ledger's size; held are positions (one per symbol), their funding payments, and at most
        // HeldFillsLimit fills waiting for their turn. Everything found is built inside: a read the execution strategy
        // runs again after a transient failure starts from nothing, not from the first attempt's findings.
        var (violations, orders, fills, positions) = await ledger.ReadAsync(
            async (session, ct) =>
            {
                var violations = new List<string>();
                var allPositions = await session.Positions.GetAllAsync(ct).ConfigureAwait(false);
                var payments = new List<TradingBot.Domain.Funding.FundingPayment>();
                foreach (var exchange in allPositions.Select(p => p.Exchange).Distinct())
                {
                    payments.AddRange(await session.FundingPayments.GetRangeAsync(exchange, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, ct).ConfigureAwait(false));
                }

                // One read of orders and fills: each order's fills checked against it, and handed to their position's
                // replay in its sequence order. Orders come in creation order, so a position's fills arrive nearly in
                // sequence; the few that come early (an order resting while later ones filled) wait in SequenceOrder. When
                // more than HeldFillsLimit would wait, or a sequence repeats, the replay starts over on the database's
                // sort of every fill by sequence (a second read, the way verify always read them before).
                var orderCount = 0;
                var replayed = new ReplayState();
                SequenceOrder? inSequence = new(HeldFillsLimit);
                await foreach (var order in session.Orders.StreamWithFillsAsync(ct).ConfigureAwait(false))
                {
                    orderCount++;
                    CheckOrder(order, requestValidity, resolutionGrace, now, violations);
                    foreach (var fill in order.Fills)
                    {
                        if (inSequence is not null && !inSequence.Add(new PositionFill(order.Order.Exchange, order.Order.Symbol, fill), replayed.Apply))
                        {
                            inSequence = null; // what it holds is let go: the replay starts over below
                        }
                    }
                }

                if (inSequence is not null)
                {
                    inSequence.Finish(replayed.Apply);
                }
                else
                {
                    replayed = new ReplayState();
                    await foreach (var fill in session.Fills.StreamForReplayAsync(ct).ConfigureAwait(false))
                    {
                        replayed.Apply(fill);
                    }
                }

                // Each position's findings together, positions in name order: the same list whichever way the fills came.
                var (replays, days) = (replayed.Replays, replayed.Days);
                var positionsByKey = allPositions.ToDictionary(p => (p.Exchange, p.Symbol));
                foreach (var replay in replays.Values.OrderBy(r => r.Position.Exchange.Value, StringComparer.Ordinal).ThenBy(r => r.Position.Symbol.Value, StringComparer.Ordinal))
                {
                    violations.AddRange(replay.Violations);
                    Finish(replay.Position, replay.Fills, positionsByKey, payments, days, violations);
                    ReportUnknown(replay, violations);
                }

                foreach (var position in allPositions.Where(p => !replays.ContainsKey((p.Exchange, p.Symbol))))
                {
                    Finish(Position.Flat(position.Exchange, position.Symbol), 0, positionsByKey, payments, days, violations);
                }

                // The exchanges of positions and of fills (a fill without a position is reported above, and its days are still checked).
                foreach (var exchange in allPositions.Select(p => p.Exchange).Concat(replays.Keys.Select(r => r.Item1)).Distinct().OrderBy(e => e.Value, StringComparer.Ordinal))
                {
                    var stored = await session.PnlDays.GetRangeAsync(exchange, DateOnly.MinValue, DateOnly.MaxValue, ct).ConfigureAwait(false);
                    CheckDays(exchange, stored, days, violations);
                }

                return (violations, orderCount, replayed.Fills, allPositions.Count);
            },
            cancellationToken).ConfigureAwait(false);

        return new VerificationReport([.. storage, .. violations], orders, fills, positions);
    }

    private void CheckOrder(OrderWithFills checkedOrder, TimeSpan requestValidity, TimeSpan resolutionGrace, DateTimeOffset now, List<string> violations)
    {
        var (order, filled) = (checkedOrder.Order, checkedOrder.Filled);
        if (filled > order.Quantity)
        {
            violations.Add($"order {order.IdempotencyKey} is over-filled: fills sum to {filled}, the order is for {order.Quantity}");
        }

        if (filled != order.FilledQuantity)
        {
            violations.Add($"order {order.IdempotencyKey} records {order.FilledQuantity} filled but its fills sum to {filled}");
        }

        var expected = order.Status switch
        {
            OrderStatus.Filled => filled == order.Quantity,
            OrderStatus.PartiallyFilled => !filled.IsZero && filled < order.Quantity,
            OrderStatus.Pending or OrderStatus.Open or OrderStatus.Rejected => filled.IsZero,
            _ => true, // CANCELLED may have been partly filled first
        };
        if (!expected)
        {
            violations.Add($"order {order.IdempotencyKey} is {order.Status.ToCode()} but its fills sum to {filled} of {order.Quantity}");
        }

        var deadline = timing.NeverPlacedAfter(order, requestValidity);
        if (order.Status == OrderStatus.Pending && now > deadline + resolutionGrace)
        {
            violations.Add($"order {order.IdempotencyKey} has been PENDING since {order.CreatedAt:O}, past its deadline {deadline:O}: its outcome was never resolved");
        }
    }

    // One line per position, however many of its fills predate the stored realized PnL.
    private static void ReportUnknown(Replay replay, List<string> violations)
    {
        if (replay.Unknown > 0)
        {
            violations.Add(
                $"{replay.Position.Exchange}/{replay.Position.Symbol} has {replay.Unknown} fill(s) with no stored realized PnL (recorded before the ledger kept it): " +
                "the worker fills them in when it starts (or migrate does), and until then the PnL per day leaves them out");
        }
    }

    private static void Add(Dictionary<(ExchangeName Exchange, Symbol Symbol, DateOnly Day), DailyPnl> days, ExchangeName exchange, DailyPnl change)
    {
        var key = (exchange, change.Symbol, change.Day);
        days[key] = days.TryGetValue(key, out var sum) ? sum.Plus(change) : change;
    }

    // The stored per-day totals must be what the replay's fills and payments add up to, day by day.
    private static void CheckDays(
        ExchangeName exchange, IReadOnlyList<DailyPnl> stored, Dictionary<(ExchangeName Exchange, Symbol Symbol, DateOnly Day), DailyPnl> days, List<string> violations)
    {
        var replayed = days.Where(d => d.Key.Exchange == exchange).ToDictionary(d => (d.Key.Symbol, d.Key.Day), d => d.Value);
        foreach (var day in stored)
        {
            var expected = replayed.Remove((day.Symbol, day.Day), out var sum) ? sum : new DailyPnl(day.Day, day.Symbol, Amount.Zero, Amount.Zero, Amount.Zero);
            if (expected != day)
            {
                violations.Add(
                    $"PnL of {exchange}/{day.Symbol} on {day.Day:yyyy-MM-dd} is stored as trading {day.TradingPnl}, fees {day.Fees}, funding {day.Funding}; " +
                    $"its fills and payments add up to trading {expected.TradingPnl}, fees {expected.Fees}, funding {expected.Funding}");
            }
        }

        foreach (var missing in replayed.Values.OrderBy(d => d.Day).ThenBy(d => d.Symbol.Value, StringComparer.Ordinal))
        {
            violations.Add(
                $"PnL of {exchange}/{missing.Symbol} on {missing.Day:yyyy-MM-dd} is not stored; its fills and payments add up to trading {missing.TradingPnl}, fees {missing.Fees}, funding {missing.Funding}");
        }
    }

    // A position's replay is complete (its fills, then its funding payments): it must equal the stored position.
    private static void Finish(
        Position replay, int fills, Dictionary<(ExchangeName, Symbol), Position> positions, List<TradingBot.Domain.Funding.FundingPayment> payments,
        Dictionary<(ExchangeName Exchange, Symbol Symbol, DateOnly Day), DailyPnl> days, List<string> violations)
    {
        if (!positions.TryGetValue((replay.Exchange, replay.Symbol), out var position))
        {
            violations.Add($"{replay.Exchange}/{replay.Symbol} has {fills} fills but no position");
            return;
        }

        foreach (var payment in payments.Where(p => p.Exchange == position.Exchange && p.Symbol == position.Symbol))
        {
            if (replay.ApplyFunding(payment.Amount, payment.PaidAt) is { } funding)
            {
                Add(days, position.Exchange, new DailyPnl(DailyPnl.DayOf(payment.PaidAt), position.Symbol, Amount.Zero, Amount.Zero, funding));
            }
        }

        if (!replay.SameBalancesAs(position))
        {
            violations.Add(
                $"position {position.Exchange}/{position.Symbol} is not a replay of its fills and funding: stored net {position.NetQuantity}, " +
                $"realized {position.RealizedPnl}, fees {position.FeesPaid}, funding {position.FundingReceived}, fills {position.FillCount}, last fill {Time(position.LastFilledAt)}; " +
                $"replay net {replay.NetQuantity}, realized {replay.RealizedPnl}, fees {replay.FeesPaid}, funding {replay.FundingReceived}, fills {replay.FillCount}, last fill {Time(replay.LastFilledAt)}");
        }

    }

    private static string Time(DateTimeOffset? time) => time?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "none";

    /// <summary>
    /// Every position's replay as its fills come in, each position's in its sequence order: the positions so far, what each
    /// fill adds to its day, and the fills whose stored realized PnL is not what the replay realizes.
    /// </summary>
    private sealed class ReplayState
    {
        public Dictionary<(ExchangeName, Symbol), Replay> Replays { get; } = [];

        public Dictionary<(ExchangeName Exchange, Symbol Symbol, DateOnly Day), DailyPnl> Days { get; } = [];

        public int Fills { get; private set; }

        public void Apply(PositionFill fill)
        {
            Fills++;
            if (!Replays.TryGetValue((fill.Exchange, fill.Symbol), out var replay))
            {
                replay = new Replay(Position.Flat(fill.Exchange, fill.Symbol));
                Replays.Add((fill.Exchange, fill.Symbol), replay);
            }

            if (fill.Recorded.Sequence != replay.Fills + 1 && !replay.Misnumbered)
            {
                replay.Misnumbered = true; // once per position: every later fill would be off too
                replay.Violations.Add(
                    $"{fill.Exchange}/{fill.Symbol}'s fills are not numbered 1, 2, 3, ... in the order they were applied: fill {fill.Recorded.Fill.ExchangeFillId} " +
                    $"has sequence {fill.Recorded.Sequence} where {replay.Fills + 1} comes next, so its replay order is not the order the position was built in");
            }

            var feesBefore = replay.Position.FeesPaid;
            var realized = replay.Position.ApplyFill(fill.Recorded.Side, fill.Recorded.Fill);
            if (fill.Recorded.RealizedPnl is not { } stored)
            {
                replay.Unknown++;
            }
            else if (stored != realized)
            {
                replay.Violations.Add($"fill {fill.Recorded.Fill.ExchangeFillId} ({fill.Exchange}/{fill.Symbol}) records a realized PnL of {stored}, its replay realizes {realized}");
            }

            Add(Days, fill.Exchange, new DailyPnl(DailyPnl.DayOf(fill.Recorded.Fill.FilledAt), fill.Symbol, realized, replay.Position.FeesPaid - feesBefore, Amount.Zero));
            replay.Fills++;
        }
    }

    /// <summary>
    /// Puts fills that arrive nearly in order into each position's sequence order (1, 2, 3, ...: a position numbers its
    /// fills as it applies them), holding those that come early until the ones before them have come. It gives up, and
    /// the caller reads the fills sorted instead, when more than <c>limit</c> fills would be held or a sequence comes twice.
    /// </summary>
    private sealed class SequenceOrder(int limit)
    {
        private readonly Dictionary<(ExchangeName, Symbol), Slot> _positions = [];
        private int _held;

        /// <summary>Hands on <paramref name="fill"/> and any held fills it lets through; false when this order cannot be kept.</summary>
        public bool Add(PositionFill fill, Action<PositionFill> next)
        {
            if (!_positions.TryGetValue((fill.Exchange, fill.Symbol), out var slot))
            {
                _positions.Add((fill.Exchange, fill.Symbol), slot = new Slot());
            }

            var sequence = fill.Recorded.Sequence;
            if (sequence < slot.Next)
            {
                return false; // a sequence seen twice: only the database's sort says which comes first
            }

            if (sequence > slot.Next)
            {
                return (slot.Early ??= []).TryAdd(sequence, fill) && ++_held <= limit;
            }

            next(fill);
            slot.Next++;
            while (slot.Early is not null && slot.Early.Remove(slot.Next, out var held))
            {
                _held--;
                next(held);
                slot.Next++;
            }

            return true;
        }

        /// <summary>
        /// At the end of the stream: fills still held follow a gap in their position's sequence; handed on in sequence
        /// order, as the database's sort would give them.
        /// </summary>
        public void Finish(Action<PositionFill> next)
        {
            foreach (var early in _positions.Values.Select(p => p.Early).OfType<Dictionary<long, PositionFill>>())
            {
                foreach (var sequence in early.Keys.Order())
                {
                    next(early[sequence]);
                }
            }
        }

        /// <summary>One position: the sequence it hands on next, and the fills that came before their turn.</summary>
        private sealed class Slot
        {
            public long Next { get; set; } = 1;

            public Dictionary<long, PositionFill>? Early { get; set; }
        }
    }

    /// <summary>One position's replay as its fills stream in: the position so far, its fills, those with no stored realized PnL.</summary>
    private sealed class Replay(Position position)
    {
        public Position Position { get; } = position;

        public int Fills { get; set; }

        public int Unknown { get; set; }

        public bool Misnumbered { get; set; }

        /// <summary>What its fills broke, in their sequence order.</summary>
        public List<string> Violations { get; } = [];
    }
}
