using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Positions;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>
/// Positions, one row per exchange and symbol. Every save bumps <c>version</c> and updates only the version
/// (and the balances) it read, so two writers of the same position cannot both win: the loser's unit of work is re-run.
/// A new position is inserted; the UNIQUE (exchange, symbol) index stops a second one.
/// </summary>
internal sealed class PositionRepository(LedgerSession session) : IPositionRepository
{
    private static readonly CompiledQuery<Func<LedgerDbContext, string, string, CancellationToken, Task<PositionRow?>>> PositionBySymbol =
        new(() => EF.CompileAsyncQuery((LedgerDbContext db, string exchange, string symbol, CancellationToken ct) =>
            db.Positions.AsNoTracking().FirstOrDefault(p => p.Exchange == exchange && p.Symbol == symbol)));

    public async Task<Position?> GetAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken)
    {
        var row = await ReadRowAsync(exchange.Value, symbol.Value, cancellationToken).ConfigureAwait(false);
        return row is null ? null : RowMapping.ToDomain(row);
    }

    public async Task SaveAsync(Position position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(position);
        var key = (position.Exchange.Value, position.Symbol.Value);

        // Build on exactly what this session read (including "no row"), never on a newer row.
        var read = await ReadRowAsync(key.Item1, key.Item2, cancellationToken).ConfigureAwait(false);
        if (read is null)
        {
            var inserted = new PositionRow { Id = Guid.CreateVersion7(), Version = 1 };
            RowMapping.CopyTo(position, inserted);
            session.Insert(inserted);
            session.PositionsSeen[key] = inserted;
            return;
        }

        // A row still staged in this unit is written once with its latest values; a stored one gets the next version.
        var saved = new PositionRow { Id = read.Id, CreatedAt = read.CreatedAt, Version = session.IsStaged(read) ? read.Version : read.Version + 1 };
        RowMapping.CopyTo(position, saved);
        session.Update(saved, read);
        session.PositionsSeen[key] = saved;
    }

    public async Task<IReadOnlyList<Position>> GetAllAsync(CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.Positions.AsNoTracking().OrderBy(p => p.Exchange).ThenBy(p => p.Symbol)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(RowMapping.ToDomain)];
    }

    private async Task<PositionRow?> ReadRowAsync(string exchange, string symbol, CancellationToken cancellationToken)
    {
        if (session.PositionsSeen.TryGetValue((exchange, symbol), out var known))
        {
            return known;
        }

        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var row = await PositionBySymbol.For(db)(db, exchange, symbol, cancellationToken).ConfigureAwait(false);
        session.PositionsSeen[(exchange, symbol)] = row;
        return row;
    }
}
