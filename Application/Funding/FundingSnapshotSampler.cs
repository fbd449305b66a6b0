using TradingBot.Application.Ports;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Funding;

/// <summary>
/// Which funding quotes become snapshots: a symbol's first, then one per interval of the worker's clock, and around
/// each settlement the last quote before it (the rate that settled) and the first after it. The rest are read, decided
/// on and dropped: a snapshot per symbol per cycle would be 86,400 rows a day at a 2 s poll for a rate that settles
/// every 8 hours. One instance per worker, since it remembers what it stored.
/// </summary>
public sealed class FundingSnapshotSampler
{
    private readonly Dictionary<Symbol, (FundingQuote Quote, bool Stored, DateTimeOffset LastStoredAt)> _symbols = [];

    /// <summary>The quotes to store now for <paramref name="quote"/>, oldest first; empty when it adds nothing to the series.</summary>
    /// <param name="quote">The quote just read.</param>
    /// <param name="now">The worker's clock.</param>
    /// <param name="interval">The least time between two snapshots of a symbol; zero stores every quote.</param>
    public IReadOnlyList<FundingQuote> Due(FundingQuote quote, DateTimeOffset now, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(quote);
        if (!_symbols.TryGetValue(quote.Symbol, out var last))
        {
            return [quote];
        }

        // The exchange's next funding time moved on: a settlement happened between the two reads.
        var settled = quote.NextFundingTime != last.Quote.NextFundingTime;
        var due = new List<FundingQuote>(2);
        if (settled && !last.Stored && last.Quote.Time < quote.Time)
        {
            due.Add(last.Quote);
        }

        if (settled || now - last.LastStoredAt >= interval)
        {
            due.Add(quote);
        }

        return due;
    }

    /// <summary>Remembers <paramref name="quote"/> as read at <paramref name="now"/>, once what <see cref="Due"/> named is stored.</summary>
    public void Seen(FundingQuote quote, DateTimeOffset now, bool stored)
    {
        ArgumentNullException.ThrowIfNull(quote);
        var lastStoredAt = stored ? now : _symbols.TryGetValue(quote.Symbol, out var last) ? last.LastStoredAt : DateTimeOffset.MinValue;
        _symbols[quote.Symbol] = (quote, stored, lastStoredAt);
    }
}
