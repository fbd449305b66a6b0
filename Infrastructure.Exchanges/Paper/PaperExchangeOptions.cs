namespace TradingBot.Infrastructure.Exchanges.Paper;

/// <summary>
/// The paper exchange: a simulated USDⓈ-M perpetual market, deterministic for a seed, whose clock can run
/// faster than real time and whose state is kept in a file so a restarted worker talks to the same exchange.
/// </summary>
public sealed class PaperExchangeOptions
{
    /// <summary>
    /// Where the exchange keeps its state (orders, trades, positions, balances, funding); empty: in this object's memory
    /// only (one process, as in a simulation), nothing is read or written.
    /// </summary>
    public string StatePath { get; set; } = "data/paper-exchange.db";

    /// <summary>The seed of the simulated market; the same seed gives the same prices and funding rates.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Simulated seconds per real second (600: a funding period of 8 hours passes in 48 s).</summary>
    public int Speed { get; set; } = 600;

    /// <summary>The symbols traded (each needs a known starting price: BTCUSDT, ETHUSDT, SOLUSDT, BNBUSDT).</summary>
    public IList<string> Symbols { get; } = ["BTCUSDT", "ETHUSDT"];

    /// <summary>
    /// The most trades a market order fills in (1 to 1000; 3 by default): each order takes one to this many, a tick further
    /// from the mark each, as a market order walks a book's levels. A high value makes a worker record many fills a cycle.
    /// </summary>
    public int MaxTradesPerMarketOrder { get; set; } = 3;

    /// <summary>The USDT wallet balance the account starts with.</summary>
    public string StartingBalance { get; set; } = "10000";

    /// <summary>Fault injection for tests (all off by default).</summary>
    public PaperFaults Faults { get; set; } = new();
}

/// <summary>Faults the paper exchange can inject, each as a percentage of calls (0 = never).</summary>
public sealed class PaperFaults
{
    /// <summary>The order is accepted and executed, but its answer is lost (the caller sees an unknown outcome).</summary>
    public int AnswerLostPercent { get; set; }

    /// <summary>A 503 "Unknown error": the order may or may not have been accepted (half the time it was).</summary>
    public int UnknownPercent { get; set; }

    /// <summary>A 429: the request was refused before it was processed.</summary>
    public int RateLimitPercent { get; set; }

    /// <summary>A trades answer that repeats some trades.</summary>
    public int DuplicateTradesPercent { get; set; }

    /// <summary>A trades answer in shuffled order.</summary>
    public int OutOfOrderTradesPercent { get; set; }

    /// <summary>
    /// For an order whose answer was lost: how many real seconds its order and trades stay invisible to queries (Binance's
    /// query service lagging its matching engine after a lost answer, answering -2013 meanwhile). 0: visible at once.
    /// </summary>
    public int LateVisibilitySeconds { get; set; }

    /// <summary>The chance, per simulated hour and symbol with a position, that the exchange closes the position itself (a liquidation or an auto-deleverage).</summary>
    public int ExchangeClosePercent { get; set; }

    /// <summary>A market order that fills only in part, the rest expiring (as Binance expires what it cannot fill within its price protection).</summary>
    public int ExpirePercent { get; set; }

    /// <summary>When set, the account holds resting orders of types the strategy never uses (STOP_MARKET, TAKE_PROFIT, TRAILING_STOP_MARKET), placed by "someone else".</summary>
    public bool ForeignOpenOrders { get; set; }

    /// <summary>Every read answers this many real milliseconds late (a slow exchange).</summary>
    public int SlowReadMilliseconds { get; set; }

    /// <summary>
    /// Positions a new account already holds without any trade the exchange still reports (opened before the history it
    /// keeps, or by another ledger), e.g. "BTCUSDT:-0.01" or "BTCUSDT:-0.01,ETHUSDT:0.5". Applied when the state is created.
    /// </summary>
    public string PositionsWithoutTrades { get; set; } = string.Empty;
}
