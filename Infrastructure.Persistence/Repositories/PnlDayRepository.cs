using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Infrastructure.Persistence.Configurations;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>
/// Per-day totals, kept by additions (an upsert that adds to the day's row): two units recording fills of the same day
/// never overwrite each other, and none needs to read the row first.
/// </summary>
internal sealed class PnlDayRepository(LedgerSession session) : IPnlDayRepository
{
    // This unit's additions not sent yet, by day: a second one to the same day adds to the staged row (one statement per
    // row, which Postgres requires of an upsert).
    private readonly Dictionary<(string Exchange, string Symbol, DateTimeOffset Day), PnlDayRow> _staged = [];

    public Task AddAsync(ExchangeName exchange, DailyPnl change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var day = StartOf(change.Day);
        var key = (exchange.Value, change.Symbol.Value, day);
        if (_staged.TryGetValue(key, out var row) && session.IsStaged(row))
        {
            row.TradingPnlQuote = checked(row.TradingPnlQuote + change.TradingPnl.Units);
            row.FeesPaidQuote = checked(row.FeesPaidQuote + change.Fees.Units);
            row.FundingQuote = checked(row.FundingQuote + change.Funding.Units);
            return Task.CompletedTask;
        }

        row = new PnlDayRow
        {
            Id = Guid.CreateVersion7(),
            Exchange = exchange.Value,
            Symbol = change.Symbol.Value,
            UtcDay = day,
            TradingPnlQuote = change.TradingPnl.Units,
            FeesPaidQuote = change.Fees.Units,
            FundingQuote = change.Funding.Units,
        };
        _staged[key] = row;
        session.Accumulate(row, PnlDayConfiguration.DayColumns, PnlDayConfiguration.AddedColumns);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<DailyPnl>> GetRangeAsync(ExchangeName exchange, DateOnly from, DateOnly until, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var rows = await RangeQuery(db, exchange.Value, StartOf(from), StartOf(until)).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new DailyPnl(
            DateOnly.FromDateTime(r.UtcDay.UtcDateTime), new Symbol(r.Symbol), new Amount(r.TradingPnlQuote), new Amount(r.FeesPaidQuote), new Amount(r.FundingQuote)))];
    }

    /// <summary>One exchange's days in [from, until), by day then symbol: served by idx_pnl_days_exchange_utc_day.</summary>
    internal static IQueryable<PnlDayRow> RangeQuery(LedgerDbContext db, string exchange, DateTimeOffset from, DateTimeOffset until) =>
        db.PnlDays.AsNoTracking()
            .Where(d => d.Exchange == exchange && d.UtcDay >= from && d.UtcDay < until)
            .OrderBy(d => d.UtcDay).ThenBy(d => d.Symbol);

    /// <summary>The start of <paramref name="day"/>, 00:00 UTC: how utc_day stores it.</summary>
    internal static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
