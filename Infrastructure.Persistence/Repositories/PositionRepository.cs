using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Positions;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>
/// Positions, one row per exchange and symbol. Every save bumps <c>version</c> and updates only the version
/// it read, so two writers of the same position cannot both win: the loser's unit of work is re-run.
/// </summary>
internal sealed class PositionRepository(LedgerSession session) : IPositionRepository
{
    private static readonly CompiledQuery<Func<LedgerDbContext, string, string, CancellationToken, Task<PositionRow?>>> PositionBySymbol =
        new(() => EF.CompileAsyncQuery((LedgerDbContext db, string exchange, string symbol, CancellationToken ct) =>
            db.Positions.AsNoTracking().FirstOrDefault(p => p.Exchange == exchange && p.Symbol == symbol)));

    // What this session read, including "no row": saving must build on exactly that, never on a newer row.
    private readonly Dictionary<(string, string), PositionRow?> _read = [];

    public async Task<Position?> GetAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken)
    {
        var row = await ReadRowAsync(exchange.Value, symbol.Value, cancellationToken).ConfigureAwait(false);
        return row is null ? null : RowMapping.ToDomain(row);
    }

    public async Task SaveAsync(Position position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(position);
        var key = (position.Exchange.Value, position.Symbol.Value);
        var row = await ReadRowAsync(key.Item1, key.Item2, cancellationToken).ConfigureAwait(false);

        if (row is null)
        {
            row = new PositionRow { Id = Guid.CreateVersion7(), Version = 1 };
            RowMapping.CopyTo(position, row);
            session.Stage(row);
            _read[key] = row;
            return;
        }

        var entry = session.Db.Entry(row);
        if (entry.State == EntityState.Detached)
        {
            session.Db.Positions.Attach(row);
            entry = session.Db.Entry(row);
        }

        var readVersion = entry.Property(p => p.Version).OriginalValue;
        RowMapping.CopyTo(position, row);
        row.Version = readVersion + 1;
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
        if (_read.TryGetValue((exchange, symbol), out var known))
        {
            return known;
        }

        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var row = await PositionBySymbol.For(db)(db, exchange, symbol, cancellationToken).ConfigureAwait(false);
        _read[(exchange, symbol)] = row;
        return row;
    }
}
