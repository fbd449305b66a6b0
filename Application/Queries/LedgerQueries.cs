using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Time;
using TradingBot.Domain.Positions;

namespace TradingBot.Application.Queries;

/// <summary>Realized results of one symbol on one UTC day.</summary>
/// <param name="Day">The UTC day.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="TradingPnl">Trading PnL realized by that day's fills.</param>
/// <param name="Fees">Fees paid in the quote asset on that day's fills.</param>
/// <param name="Funding">Funding received (negative: paid) on that day.</param>
public sealed record DailyPnl(DateOnly Day, Symbol Symbol, Amount TradingPnl, Amount Fees, Amount Funding)
{
    /// <summary>Trading PnL + funding − fees.</summary>
    public Amount Net => TradingPnl + Funding - Fees;
}

/// <summary>The position right after one fill.</summary>
/// <param name="At">The fill's time.</param>
/// <param name="Sequence">The fill's place in the position's sequence.</param>
/// <param name="NetQuantity">Net quantity after the fill.</param>
/// <param name="AverageEntryPrice">Average entry price after the fill; null when flat.</param>
/// <param name="RealizedPnl">Cumulative realized trading PnL after the fill.</param>
public sealed record PositionPoint(DateTimeOffset At, long Sequence, Amount NetQuantity, Price? AverageEntryPrice, Amount RealizedPnl);

/// <summary>The ledger's read side: funding history, PnL over time, position history.</summary>
public sealed class LedgerQueries(IUnitOfWork ledger)
{
    /// <summary>Funding observations in [from, to), newest first (the ADR's "last 24 hours" query).</summary>
    public Task<IReadOnlyList<FundingSnapshot>> FundingHistoryAsync(ExchangeName exchange, Symbol symbol, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        ledger.ExecuteAsync((session, ct) => session.FundingSnapshots.GetRangeAsync(exchange, symbol, from, to, ct), cancellationToken);

    /// <summary>
    /// The snapshots of the <paramref name="window"/> that ends with the latest stored one, newest first (that one
    /// included): "the last 24 hours" on the exchange's clock, which the paper exchange runs fast. Empty when there is none.
    /// </summary>
    public async Task<IReadOnlyList<FundingSnapshot>> RecentFundingAsync(ExchangeName exchange, Symbol symbol, TimeSpan window, CancellationToken cancellationToken)
    {
        var latest = await ledger.ExecuteAsync((session, ct) => session.FundingSnapshots.GetLatestTimeAsync(exchange, symbol, ct), cancellationToken).ConfigureAwait(false);
        // The range's end is exclusive: one ledger time step past the latest (a tick would vanish in a microsecond column).
        return latest is { } end
            ? await FundingHistoryAsync(exchange, symbol, end - window, end + LedgerTime.Resolution, cancellationToken).ConfigureAwait(false)
            : [];
    }

    /// <summary>
    /// Realized PnL per UTC day and symbol in [from, to): trading PnL and fees from a replay of each position's
    /// fills in their recorded order, funding from the payments. Days with nothing are left out.
    /// </summary>
    public Task<IReadOnlyList<DailyPnl>> PnlByDayAsync(ExchangeName exchange, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        ledger.ExecuteAsync<IReadOnlyList<DailyPnl>>(
            async (session, ct) =>
            {
                var days = new Dictionary<(DateOnly, Symbol), (Amount Trading, Amount Fees, Amount Funding)>();
                var positions = await session.Positions.GetAllAsync(ct).ConfigureAwait(false);
                foreach (var position in positions.Where(p => p.Exchange == exchange))
                {
                    var replay = Position.Flat(exchange, position.Symbol);
                    foreach (var recorded in await session.Fills.GetByPositionAsync(exchange, position.Symbol, ct).ConfigureAwait(false))
                    {
                        var feesBefore = replay.FeesPaid;
                        var realized = replay.ApplyFill(recorded.Side, recorded.Fill);
                        if (recorded.Fill.FilledAt >= from && recorded.Fill.FilledAt < to)
                        {
                            var key = (DateOnly.FromDateTime(recorded.Fill.FilledAt.UtcDateTime), position.Symbol);
                            var sum = days.GetValueOrDefault(key);
                            days[key] = (sum.Trading + realized, sum.Fees + (replay.FeesPaid - feesBefore), sum.Funding);
                        }
                    }
                }

                foreach (var payment in await session.FundingPayments.GetRangeAsync(exchange, from, to, ct).ConfigureAwait(false))
                {
                    if (payment.Symbol.QuoteAsset is { } quote && payment.Amount.Asset == quote)
                    {
                        var key = (DateOnly.FromDateTime(payment.PaidAt.UtcDateTime), payment.Symbol);
                        var sum = days.GetValueOrDefault(key);
                        days[key] = (sum.Trading, sum.Fees, sum.Funding + payment.Amount.Amount);
                    }
                }

                return [.. days
                    .OrderBy(d => d.Key.Item1)
                    .ThenBy(d => d.Key.Item2.Value, StringComparer.Ordinal)
                    .Select(d => new DailyPnl(d.Key.Item1, d.Key.Item2, d.Value.Trading, d.Value.Fees, d.Value.Funding))];
            },
            cancellationToken);

    /// <summary>The position after each of its fills, in recorded order.</summary>
    public Task<IReadOnlyList<PositionPoint>> PositionHistoryAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken) =>
        ledger.ExecuteAsync<IReadOnlyList<PositionPoint>>(
            async (session, ct) =>
            {
                var replay = Position.Flat(exchange, symbol);
                var points = new List<PositionPoint>();
                foreach (var recorded in await session.Fills.GetByPositionAsync(exchange, symbol, ct).ConfigureAwait(false))
                {
                    replay.ApplyFill(recorded.Side, recorded.Fill);
                    points.Add(new PositionPoint(recorded.Fill.FilledAt, recorded.Sequence, replay.NetQuantity, replay.AverageEntryPrice, replay.RealizedPnl));
                }

                return points;
            },
            cancellationToken);
}
