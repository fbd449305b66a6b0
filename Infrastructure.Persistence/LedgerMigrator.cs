using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Positions;
using TradingBot.Infrastructure.Persistence.Partitions;
using TradingBot.Infrastructure.Persistence.Repositories;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence;

/// <summary>What <see cref="LedgerMigrator.FillInRealizedPnlAsync"/> did.</summary>
/// <param name="Positions">The positions whose fills were replayed.</param>
/// <param name="Fills">The fills that were given their realized PnL.</param>
public sealed record RealizedPnlFillIn(int Positions, long Fills);

/// <summary>Applies the configured provider's migrations to the ledger database, and the data steps a migration cannot do.</summary>
/// <param name="contexts">The ledger's contexts (on Postgres behind a pooler: the direct connection's).</param>
/// <param name="partitioning">How the ledger's time series are to be stored (<see cref="PreparePartitionsAsync"/>).</param>
public sealed class LedgerMigrator(IDbContextFactory<LedgerDbContext> contexts, LedgerPartitioning partitioning)
{
    /// <summary>Months created ahead of the current one: a worker that checks daily always has the next month ready.</summary>
    public const int MonthsAhead = 2;

    private const int UpdatesPerSave = 1000;

    /// <summary>A migrator for plain (unpartitioned) time series, the ADR's schema.</summary>
    public LedgerMigrator(IDbContextFactory<LedgerDbContext> contexts)
        : this(contexts, LedgerPartitioning.None)
    {
    }

    /// <summary>How this migrator expects the ledger's time series to be stored.</summary>
    public LedgerPartitioning Partitioning => partitioning;

    /// <summary>The migrations this build has and the ledger database has not applied (all of them: no ledger schema at all).</summary>
    public async Task<(IReadOnlyList<string> Pending, int Known)> PendingAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var known = db.Database.GetMigrations().Count();
        return ([.. await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)], known);
    }

    /// <summary>Applies pending migrations and returns their names (empty when the ledger was up to date).</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        if (!db.Database.GetMigrations().Any())
        {
            throw new InvalidOperationException($"no migrations were found for the {db.Database.ProviderName} ledger; the provider's migrations assembly is missing");
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).ToList();
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return pending;
    }

    /// <summary>
    /// Makes the ledger's time series what <see cref="Partitioning"/> says, after the migrations
    /// (<see cref="EnsurePartitioningAsync"/>), then makes its months (<see cref="MakeMonthsAsync"/>). Run by migrate and
    /// copy-ledger's and restore's target; the worker runs the two steps apart, at start and daily.
    /// </summary>
    /// <exception cref="LedgerPartitioningException">The ledger's partitioning is not the setting's and cannot be made so; nothing was changed.</exception>
    public async Task<LedgerPartitionsReport> PreparePartitionsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = await EnsurePartitioningAsync(cancellationToken).ConfigureAwait(false);
        var months = await MakeMonthsAsync(now, cancellationToken).ConfigureAwait(false);
        return months with { Converted = state.Converted };
    }

    /// <summary>
    /// Checks the ledger's time series against <see cref="Partitioning"/>: on a ledger whose <c>funding_snapshots</c>
    /// and <c>audit_log</c> are plain and empty, <see cref="LedgerPartitioning.Monthly"/> partitions them (one
    /// transaction, with a default partition and no month yet); a ledger that does not match and cannot be made to is refused.
    /// </summary>
    /// <exception cref="LedgerPartitioningException">The ledger is partitioned and the settings say plain, or the reverse on a ledger that holds rows (or on SQLite); nothing was changed.</exception>
    public async Task<LedgerPartitionsReport> EnsurePartitioningAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var partitions = Writes.LedgerProvider.Of(db).Partitions;
        if (partitions is null)
        {
            return partitioning == LedgerPartitioning.None
                ? new LedgerPartitionsReport(false, false, [], 0)
                : throw new LedgerPartitioningException($"Ledger:Partitioning is {partitioning}, but the {db.Database.ProviderName} ledger has no partitions: partitioning by month is for a Postgres ledger. Leave Ledger:Partitioning out (or None).");
        }

        var state = await partitions.StateAsync(db, cancellationToken).ConfigureAwait(false);
        var partitioned = state.Where(t => t.Value).Select(t => t.Key).ToList();
        var plain = state.Where(t => !t.Value).Select(t => t.Key).ToList();
        if (partitioning == LedgerPartitioning.None)
        {
            return partitioned.Count == 0
                ? new LedgerPartitionsReport(false, false, [], 0)
                : throw new LedgerPartitioningException(
                    $"this ledger's {string.Join(" and ", partitioned)} {(partitioned.Count == 1 ? "is" : "are")} partitioned by month (Ledger:Partitioning was Monthly when it was created), but Ledger:Partitioning is None: " +
                    "set Ledger:Partitioning=Monthly for this ledger (as copy-ledger's target: --to-partitioning Monthly), so that its months keep being made ahead. Nothing was changed.");
        }

        if (plain.Count == 0)
        {
            return new LedgerPartitionsReport(true, false, [], 0);
        }

        // Converted only while empty: the check and the conversion are one transaction, the tables locked.
        var rows = partitioned.Count > 0
            ? []
            : await db.Database.CreateExecutionStrategy().ExecuteAsync(ct => partitions.ConvertAsync(db, ct), cancellationToken).ConfigureAwait(false);
        if (rows.Count > 0 || partitioned.Count > 0)
        {
            throw new LedgerPartitioningException(
                $"Ledger:Partitioning is Monthly, but this ledger's {string.Join(" and ", plain)} {(plain.Count == 1 ? "is a plain table" : "are plain tables")}" +
                (rows.Count > 0 ? $" and {string.Join(" and ", rows)} already hold{(rows.Count == 1 ? "s" : "")} rows" : $" while {string.Join(" and ", partitioned)} {(partitioned.Count == 1 ? "is" : "are")} partitioned") +
                ": partitioning is chosen before a ledger's first rows. To partition an existing ledger, copy it into a new database (copy-ledger --to-partitioning Monthly); " +
                "or leave Ledger:Partitioning out for this one. Nothing was changed.");
        }

        return new LedgerPartitionsReport(true, true, [], 0);
    }

    /// <summary>
    /// On a ledger partitioned by month: makes the months from <paramref name="now"/>'s through <see cref="MonthsAhead"/>
    /// later, and the month of every row waiting in a default partition, moving those rows into it (one transaction,
    /// which waits a few seconds at most for its locks). On a plain ledger: nothing.
    /// </summary>
    public async Task<LedgerPartitionsReport> MakeMonthsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        if (Writes.LedgerProvider.Of(db).Partitions is not { } partitions
            || !(await partitions.StateAsync(db, cancellationToken).ConfigureAwait(false)).Values.Any(p => p))
        {
            return new LedgerPartitionsReport(false, false, [], 0);
        }

        var (created, moved) = await db.Database.CreateExecutionStrategy().ExecuteAsync(
            ct => partitions.MaintainAsync(db, now, MonthsAhead, ct), cancellationToken).ConfigureAwait(false);
        return new LedgerPartitionsReport(true, false, created, moved);
    }

    /// <summary>How many fills have no realized PnL yet (recorded before the ledger kept it): read on an index that holds only those.</summary>
    public async Task<long> FillsWithoutRealizedPnlAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await WithoutRealizedPnl(db).LongCountAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The fills recorded before the ledger kept each one's realized PnL: served by idx_fills_realized_pnl_unknown, which holds only them.</summary>
    internal static IQueryable<FillRow> WithoutRealizedPnl(LedgerDbContext db) => db.Fills.AsNoTracking().Where(f => f.RealizedPnlQuote == null);

    /// <summary>
    /// Gives the fills recorded before the ledger kept each fill's realized PnL (realized_pnl_quote NULL) their value, and
    /// rebuilds the per-day totals (<c>pnl_days</c>) of those positions and of positions that hold fills or funding but no
    /// day at all (funding recorded before the totals existed), and the last fill time of positions stored before they
    /// kept it, by replaying each such position's fills and payments. A position's fills stream through in their recorded
    /// order, only the values that change and the day totals are kept, and one transaction per position writes them all, so a crash leaves each position done or untouched and a later
    /// run finishes the rest. On a ledger with nothing to do it reads an index that holds only such fills, and the
    /// positions table.
    /// </summary>
    public async Task<RealizedPnlFillIn> FillInRealizedPnlAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var positions = new HashSet<(string Exchange, string Symbol)>();
        if (await WithoutRealizedPnl(db).AnyAsync(cancellationToken).ConfigureAwait(false))
        {
            positions.UnionWith((await WithoutRealizedPnl(db)
                .Join(db.Orders.AsNoTracking(), f => f.OrderId, o => o.Id, (f, o) => new { o.Exchange, o.Symbol })
                .Distinct()
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(p => (p.Exchange, p.Symbol)));
        }

        positions.UnionWith((await db.Positions.AsNoTracking()
            .Where(p => (p.FillCount > 0 && p.LastFilledAt == null) || ((p.FillCount > 0 || p.FundingQuote != 0) && !db.PnlDays.Any(d => d.Exchange == p.Exchange && d.Symbol == p.Symbol)))
            .Select(p => new { p.Exchange, p.Symbol })
            .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(p => (p.Exchange, p.Symbol)));

        long fills = 0;
        foreach (var (exchange, symbol) in positions.OrderBy(p => p.Exchange, StringComparer.Ordinal).ThenBy(p => p.Symbol, StringComparer.Ordinal))
        {
            fills += await db.Database.CreateExecutionStrategy().ExecuteAsync(
                ct => FillInAsync(exchange, symbol, ct), cancellationToken).ConfigureAwait(false);
        }

        return new RealizedPnlFillIn(positions.Count, fills);
    }

    private async Task<long> FillInAsync(string exchange, string symbol, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var replay = Position.Flat(new ExchangeName(exchange), new Symbol(symbol));
        var days = new Dictionary<DateTimeOffset, PnlDayRow>();
        PnlDayRow Day(DateTimeOffset time)
        {
            var start = PnlDayRepository.StartOf(DailyPnl.DayOf(time));
            if (!days.TryGetValue(start, out var row))
            {
                days[start] = row = new PnlDayRow { Id = Guid.CreateVersion7(), Exchange = exchange, Symbol = symbol, UtcDay = start };
            }

            return row;
        }

        // Streamed (a position may hold millions of fills): only the fills whose value changes are remembered, by id.
        var updates = new List<(Guid Id, long Realized)>();
        var stream = db.Fills.AsNoTracking()
            .Join(db.Orders.AsNoTracking(), f => f.OrderId, o => o.Id, (f, o) => new { Fill = f, o.Exchange, o.Symbol, o.Side })
            .Where(x => x.Exchange == exchange && x.Symbol == symbol)
            .OrderBy(x => x.Fill.PositionSequence).ThenBy(x => x.Fill.FilledAt).ThenBy(x => x.Fill.Id)
            .Select(x => new { x.Fill, x.Side });
        await foreach (var x in stream.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var fill = RowMapping.ToDomain(x.Fill);
            var feesBefore = replay.FeesPaid;
            var realized = replay.ApplyFill(LedgerCodes.ParseSide(x.Side), fill);
            var day = Day(fill.FilledAt);
            day.TradingPnlQuote = checked(day.TradingPnlQuote + realized.Units);
            day.FeesPaidQuote = checked(day.FeesPaidQuote + (replay.FeesPaid - feesBefore).Units);
            if (x.Fill.RealizedPnlQuote != realized.Units)
            {
                updates.Add((x.Fill.Id, realized.Units));
            }
        }

        var quote = replay.Symbol.QuoteAsset;
        var payments = await db.FundingPayments.AsNoTracking()
            .Where(p => p.Exchange == exchange && p.Symbol == symbol)
            .Select(p => new { p.AmountQuote, p.Asset, p.PaidAt })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var payment in payments.Where(p => quote is { } q && new Asset(p.Asset) == q))
        {
            var day = Day(payment.PaidAt);
            day.FundingQuote = checked(day.FundingQuote + payment.AmountQuote);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await db.PnlDays.Where(d => d.Exchange == exchange && d.Symbol == symbol).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        db.PnlDays.AddRange(days.Values);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        db.ChangeTracker.Clear();
        foreach (var chunk in updates.Chunk(UpdatesPerSave))
        {
            foreach (var (id, realized) in chunk)
            {
                db.Fills.Attach(new FillRow { Id = id, RealizedPnlQuote = realized }).Property(f => f.RealizedPnlQuote).IsModified = true;
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            db.ChangeTracker.Clear();
        }

        // Under the lease, before the worker trades: nothing else updates the position meanwhile.
        var lastFilledAt = replay.LastFilledAt;
        await db.Positions.Where(p => p.Exchange == exchange && p.Symbol == symbol)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.LastFilledAt, lastFilledAt), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return updates.Count;
    }
}
