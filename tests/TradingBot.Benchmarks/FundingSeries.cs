using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;

namespace TradingBot.Benchmarks;

/// <summary>
/// The funding snapshot series loaded for the 24h query: <see cref="Symbols"/> symbols, one observation
/// every 30 s per symbol going back <see cref="RowsPerSymbol"/> steps from <see cref="Newest"/>. Both
/// loaders (SQL on Postgres, a prepared insert loop on SQLite) compute the same values.
/// </summary>
internal sealed record FundingSeries(int Symbols, int RowsPerSymbol, DateTimeOffset Newest)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    public long TotalRows => (long)Symbols * RowsPerSymbol;

    /// <summary>The symbol the query asks for: one in the middle.</summary>
    public Symbol QuerySymbol => SymbolFor(Symbols / 2);

    public static Symbol SymbolFor(int symbol) => new($"FUND{symbol}USDT");

    /// <summary>The time of step <paramref name="step"/> (0 is the newest).</summary>
    public DateTimeOffset At(int step) => Newest - (step * Interval);

    /// <summary>Around 0.0001 (1e-8 units), varying.</summary>
    public static long RateFor(int step, int symbol) => 10_000 + (((step * 37L) + (symbol * 11L)) % 2_001) - 1_000;

    public static long MarkFor(int step, int symbol) => ((50_000L + (symbol * 1_000L)) * FixedPoint.Scale) + (step % 100_000 * 1_000_000L);

    public static long IndexFor(int step, int symbol) => MarkFor(step, symbol) - 500_000;
}
