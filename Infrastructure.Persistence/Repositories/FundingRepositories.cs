using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>The funding rate time series; range queries filter and order in SQL on both providers.</summary>
internal sealed class FundingSnapshotRepository(LedgerSession session) : IFundingSnapshotRepository
{
    public Task AppendAsync(FundingSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);

        // The id is the client's: stored once, also when a unit of work runs again after a lost commit answer.
        return session.InsertOnceAsync(RowMapping.ToRow(snapshot), cancellationToken);
    }

    public async Task<IReadOnlyList<FundingSnapshot>> GetRangeAsync(ExchangeName exchange, Symbol symbol, DateTimeOffset fromTime, DateTimeOffset untilTime, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var points = await RangeQuery(db, exchange.Value, symbol.Value, fromTime, untilTime).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. points.Select(p => RowMapping.ToDomain(p, exchange, symbol))];
    }

    /// <summary>
    /// One symbol's snapshots in [from, until), newest first: served by idx_funding_snapshots_symbol_snapshot_at. Reads
    /// only the columns that differ from row to row (the exchange and symbol are the ones asked for, created_at is not
    /// part of the domain): a day of one-minute snapshots is 1,441 rows, and each column read is converted on every one.
    /// </summary>
    internal static IQueryable<FundingPoint> RangeQuery(LedgerDbContext db, string exchange, string symbol, DateTimeOffset fromTime, DateTimeOffset untilTime) =>
        db.FundingSnapshots.AsNoTracking()
            .Where(s => s.Exchange == exchange && s.Symbol == symbol && s.SnapshotAt >= fromTime && s.SnapshotAt < untilTime)
            .OrderByDescending(s => s.SnapshotAt)
            .Select(s => new FundingPoint(s.Id, s.FundingRateBps, s.MarkPriceQuote, s.IndexPriceQuote, s.SnapshotAt));

    public async Task<DateTimeOffset?> GetLatestTimeAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        return await db.FundingSnapshots.AsNoTracking()
            .Where(s => s.Exchange == exchange.Value && s.Symbol == symbol.Value)
            .OrderByDescending(s => s.SnapshotAt).Select(s => (DateTimeOffset?)s.SnapshotAt)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Funding payments, unique by the exchange's id.</summary>
internal sealed class FundingPaymentRepository(LedgerSession session) : IFundingPaymentRepository
{
    public async Task<bool> TryAddAsync(FundingPayment payment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        if (await db.FundingPayments.AnyAsync(p => p.ExchangePaymentId == payment.ExchangePaymentId, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        session.InsertNew(RowMapping.ToRow(payment));
        return true;
    }

    public async Task<IReadOnlyList<FundingPayment>> GetRangeAsync(ExchangeName exchange, DateTimeOffset fromTime, DateTimeOffset untilTime, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.FundingPayments.AsNoTracking()
            .Where(p => p.Exchange == exchange.Value && p.PaidAt >= fromTime && p.PaidAt < untilTime)
            .OrderBy(p => p.PaidAt).ThenBy(p => p.ExchangePaymentId)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(RowMapping.ToDomain)];
    }

    public async Task<DateTimeOffset?> GetLatestPaidAtAsync(ExchangeName exchange, CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        return await db.FundingPayments.AsNoTracking().Where(p => p.Exchange == exchange.Value)
            .OrderByDescending(p => p.PaidAt).Select(p => (DateTimeOffset?)p.PaidAt)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>One funding snapshot of a known exchange and symbol: what <see cref="FundingSnapshotRepository.RangeQuery"/> reads.</summary>
internal sealed record FundingPoint(Guid Id, long RateUnits, long MarkUnits, long IndexUnits, DateTimeOffset SnapshotAt);
