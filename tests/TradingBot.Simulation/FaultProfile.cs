using TradingBot.Infrastructure.Exchanges.Paper;

namespace TradingBot.Simulation;

/// <summary>
/// The faults of one run, drawn from its seed: each kind is on for about half the seeds, at a rate drawn too, so seeds
/// differ in what goes wrong and how often. Percentages are per call (of the kind the fault applies to); per-mille
/// where a fault per call would be too frequent.
/// </summary>
/// <param name="Paper">The paper exchange's own faults: answers lost after acceptance, 503, 429, duplicated and reordered trades, late visibility, liquidations and ADL, expiring market orders, foreign resting orders.</param>
/// <param name="ReadFailurePercent">An exchange read (or cancel) fails: 503, a timeout, a malformed answer.</param>
/// <param name="LostBeforeSendPercent">A place-order request fails before it reaches the exchange (connection reset): the caller cannot tell.</param>
/// <param name="ClockSkewPercent">A place-order request reaches the exchange and is refused with -1021 (timestamp outside recvWindow): not processed.</param>
/// <param name="StallPercent">Before an exchange call, the worker stalls for 5 s to 2 min of virtual time (a GC pause, a slow network), so deadlines pass.</param>
/// <param name="CrashPerMille">At an exchange call (before it, or after its answer) or a commit, the worker's process dies.</param>
/// <param name="LeaseStealPerMille">At an exchange call other than a send, a second worker takes the ledger lease from the first.</param>
/// <param name="LedgerFaultPerMille">A ledger command fails transiently (SQLite busy, a Postgres serialization failure).</param>
/// <param name="CommitLostPerMille">A commit succeeds but its answer is lost (the unit of work runs again).</param>
/// <param name="WorkerClockOffsetMilliseconds">How far the worker's clock is from the exchange's (up to 3 s either way, NTP gone astray); late visibility then stays within what is left of the margin.</param>
public sealed record FaultProfile(
    PaperFaults Paper,
    int ReadFailurePercent,
    int LostBeforeSendPercent,
    int ClockSkewPercent,
    int StallPercent,
    int CrashPerMille,
    int LeaseStealPerMille,
    int LedgerFaultPerMille,
    int CommitLostPerMille,
    int WorkerClockOffsetMilliseconds)
{
    /// <summary>The profile of <paramref name="seed"/>.</summary>
    public static FaultProfile Draw(int seed)
    {
        var random = new Random(unchecked(seed * 31) ^ 0x51A1);
        int Maybe(int most) => random.Next(2) == 0 ? 0 : 1 + random.Next(most);
        var offset = random.Next(2) == 0 ? 0 : random.Next(-3000, 3001);
        var paper = new PaperFaults
        {
            AnswerLostPercent = Maybe(30),
            UnknownPercent = Maybe(20),
            RateLimitPercent = Maybe(15),
            DuplicateTradesPercent = Maybe(30),
            OutOfOrderTradesPercent = Maybe(30),

            // Within the visibility margin the ledger is configured with (OrderTiming: 10 s to send + 30 s to show), less
            // what two clocks apart by the offset take from it.
            LateVisibilitySeconds = Maybe(offset == 0 ? 30 : 24),
            ExchangeClosePercent = Maybe(60),
            ExpirePercent = Maybe(30),
            ForeignOpenOrders = random.Next(2) == 0,
        };
        return new FaultProfile(paper, Maybe(15), Maybe(10), Maybe(10), Maybe(10), Maybe(15), Maybe(15), Maybe(10), Maybe(10), offset);
    }

    /// <summary>A copy of <see cref="Paper"/> for one paper exchange to use (and <see cref="Silence"/> at the end of a run).</summary>
    public PaperFaults CopyOfPaper() => new()
    {
        AnswerLostPercent = Paper.AnswerLostPercent,
        UnknownPercent = Paper.UnknownPercent,
        RateLimitPercent = Paper.RateLimitPercent,
        DuplicateTradesPercent = Paper.DuplicateTradesPercent,
        OutOfOrderTradesPercent = Paper.OutOfOrderTradesPercent,
        LateVisibilitySeconds = Paper.LateVisibilitySeconds,
        ExchangeClosePercent = Paper.ExchangeClosePercent,
        ExpirePercent = Paper.ExpirePercent,
        ForeignOpenOrders = Paper.ForeignOpenOrders,
    };

    /// <summary>No fault at all: the quiet end of a run, when the ledger must come to agree with the exchange.</summary>
    public static void Silence(PaperFaults paper)
    {
        ArgumentNullException.ThrowIfNull(paper);
        paper.AnswerLostPercent = paper.UnknownPercent = paper.RateLimitPercent = 0;
        paper.DuplicateTradesPercent = paper.OutOfOrderTradesPercent = 0;
        paper.LateVisibilitySeconds = paper.ExchangeClosePercent = paper.ExpirePercent = 0;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"paper: lost {Paper.AnswerLostPercent}%, 503 {Paper.UnknownPercent}%, 429 {Paper.RateLimitPercent}%, duplicates {Paper.DuplicateTradesPercent}%, " +
        $"reordered {Paper.OutOfOrderTradesPercent}%, late {Paper.LateVisibilitySeconds} s, closes {Paper.ExchangeClosePercent}/6000 per minute, " +
        $"expire {Paper.ExpirePercent}%, foreign orders {(Paper.ForeignOpenOrders ? "yes" : "no")}; reads fail {ReadFailurePercent}%, " +
        $"lost before send {LostBeforeSendPercent}%, -1021 {ClockSkewPercent}%, stalls {StallPercent}%, crashes {CrashPerMille}‰, " +
        $"lease steals {LeaseStealPerMille}‰, ledger faults {LedgerFaultPerMille}‰, commit answers lost {CommitLostPerMille}‰, worker clock {WorkerClockOffsetMilliseconds:+0;-0;0} ms";
}
