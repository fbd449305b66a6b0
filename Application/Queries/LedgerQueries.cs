using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Time;
using TradingBot.Domain.Positions;

namespace TradingBot.Application.Queries;

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
    /// Realized PnL per UTC day and symbol, for the days in [<paramref name="from"/>, <paramref name="until"/>): trading PnL
    /// and fees as each fill realized them when it was recorded (the average entry price of the whole history, not of the
    /// window), funding from the payments. Read from the per-day totals every fill and payment adds to, so its cost grows
    /// with the days asked for, not with the fills. Days with nothing are left out.
    /// </summary>
    public Task<IReadOnlyList<DailyPnl>> PnlByDayAsync(ExchangeName exchange, DateOnly from, DateOnly until, CancellationToken cancellationToken) =>
        ledger.ReadAsync((session, ct) => session.PnlDays.GetRangeAsync(exchange, from, until, ct), cancellationToken);

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
