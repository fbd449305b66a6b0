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
/// <param name="Binance">
/// How the worker reaches the exchange: null, through the paper exchange's port directly; otherwise through the real
/// Binance adapter (signing, rate gate, circuit breaker, paging, wire mapping) over an in-process Binance server on the
/// same paper engine, with these HTTP-level faults.
/// </param>
/// <param name="ConnectionCutsPer10000">
/// Before a ledger command (per 10,000: a seed runs a few thousand), the server ends the worker's connection (Postgres: <c>pg_terminate_backend</c>, as a restart,
/// a failover or a pooler would), so the command meets a dead connection. Not drawn on SQLite, which has none.
/// </param>
/// <param name="HostClockOffsetMinutes">
/// Through the Binance adapter only: how far the whole host's clock (the worker's and the adapter's) is off the exchange's,
/// 30 minutes to three hours either way; the adapter measures it with the server's time.
/// </param>
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
    int WorkerClockOffsetMilliseconds,
    BinanceFaults? Binance,
    int ConnectionCutsPer10000,
    int HostClockOffsetMinutes = 0)
{
    /// <summary>The profile of <paramref name="seed"/>; <paramref name="adapter"/> forces the way to the exchange (null: drawn too).</summary>
    public static FaultProfile Draw(int seed, SimulatedAdapter? adapter = null)
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
        // Drawn apart, so adding the adapter changed none of the draws above for any seed.
        var http = new Random(unchecked(seed * 17) ^ 0x0B1A);
        var throughBinance = http.Next(2) == 1;
        var binance = new BinanceFaults(
            PageLimit: http.Next(2) == 0 ? 1_000 : 3 + http.Next(3),
            RateLimitPercent: http.Next(2) == 0 ? 0 : 1 + http.Next(10),
            RetryAfterAsDate: http.Next(2) == 0);
        if (!(adapter is null ? throughBinance : adapter == SimulatedAdapter.Binance))
        {
            binance = null;
        }

        var cuts = new Random(unchecked(seed * 13) ^ 0x0C07);
        var cutsPer10000 = cuts.Next(2) == 0 ? 0 : 1 + cuts.Next(20);
        // Through the Binance adapter the host's clock may be hours off the exchange's: the adapter measures the difference
        // and signs with it, and the ledger's windows of trades are converted with it. (Drawn apart, as above; the paper
        // port shares the exchange's clock, as an in-process exchange does.)
        var skew = new Random(unchecked(seed * 11) ^ 0x5C3E);
        var hostMinutes = binance is null || skew.Next(2) == 0 ? 0 : (skew.Next(2) == 0 ? -1 : 1) * (30 + skew.Next(151));
        return new FaultProfile(paper, Maybe(15), Maybe(10), Maybe(10), Maybe(10), Maybe(15), Maybe(15), Maybe(10), Maybe(10), offset, binance, cutsPer10000, hostMinutes);
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
        $"lease steals {LeaseStealPerMille}‰, ledger faults {LedgerFaultPerMille}‰, commit answers lost {CommitLostPerMille}‰, connections cut {ConnectionCutsPer10000}/10000 commands (Postgres), worker clock {WorkerClockOffsetMilliseconds:+0;-0;0} ms{(HostClockOffsetMinutes == 0 ? string.Empty : $" and host clock {HostClockOffsetMinutes:+0;-0} min")}; " +
        (Binance is { } b
            ? $"through the Binance adapter: pages of {b.PageLimit}, HTTP 429 {b.RateLimitPercent}% with Retry-After as {(b.RetryAfterAsDate ? "a date" : "seconds")}"
            : "through the paper port");
}

/// <summary>How a run's worker reaches the simulated exchange.</summary>
public enum SimulatedAdapter
{
    /// <summary>The paper exchange's port, called directly.</summary>
    Paper,

    /// <summary>The Binance adapter over HTTP to an in-process Binance server on the paper engine.</summary>
    Binance,
}

/// <summary>
/// The faults of a run through the Binance adapter, at the HTTP level.
/// </summary>
/// <param name="PageLimit">Entries per page of trades and funding income: Binance's 1000, or a handful so every read crosses page boundaries.</param>
/// <param name="RateLimitPercent">A request is refused before it is processed with HTTP 429 and a Retry-After of 1 to 60 s (the adapter waits up to 30 s; beyond that it does not send).</param>
/// <param name="RetryAfterAsDate">Retry-After comes as an HTTP date (with the server's Date header), not as seconds.</param>
public sealed record BinanceFaults(int PageLimit, int RateLimitPercent, bool RetryAfterAsDate);
