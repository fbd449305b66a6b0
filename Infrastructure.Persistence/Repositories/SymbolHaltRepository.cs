using Microsoft.EntityFrameworkCore;
using TradingBot.Application.Ports;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Reconciliation;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>
/// Halted symbols, one row per exchange and symbol. A save of a known row bumps <c>version</c> and expects the version
/// it read, so two writers cannot both win; a new row is inserted and the UNIQUE (exchange, symbol) stops a second one.
/// </summary>
internal sealed class SymbolHaltRepository(LedgerSession session) : ISymbolHaltRepository
{
    // The rows this session read or wrote (null: none), by exchange and symbol: what a save builds on.
    private readonly Dictionary<(string Exchange, string Symbol), SymbolHaltRow?> _seen = [];

    public async Task<SymbolHalt?> GetAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken)
    {
        var row = await ReadRowAsync(exchange.Value, symbol.Value, cancellationToken).ConfigureAwait(false);
        return row is null ? null : ToDomain(row);
    }

    public async Task<IReadOnlyList<SymbolHalt>> GetAllAsync(CancellationToken cancellationToken)
    {
        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.SymbolHalts.AsNoTracking().OrderBy(h => h.Exchange).ThenBy(h => h.Symbol).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            _seen[(row.Exchange, row.Symbol)] = row;
        }

        return [.. rows.Select(ToDomain)];
    }

    public async Task SaveAsync(SymbolHalt halt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(halt);
        var key = (halt.Exchange.Value, halt.Symbol.Value);
        var read = await ReadRowAsync(key.Item1, key.Item2, cancellationToken).ConfigureAwait(false);
        if (read is null)
        {
            var inserted = ToRow(halt, Guid.CreateVersion7(), version: 1, createdAt: null);
            session.Insert(inserted);
            _seen[key] = inserted;
            return;
        }

        // A row still staged in this unit is written once with its latest values; a stored one gets the next version.
        var saved = ToRow(halt, read.Id, session.IsStaged(read) ? read.Version : read.Version + 1, read.CreatedAt);
        session.Update(saved, read);
        _seen[key] = saved;
    }

    private async Task<SymbolHaltRow?> ReadRowAsync(string exchange, string symbol, CancellationToken cancellationToken)
    {
        if (_seen.TryGetValue((exchange, symbol), out var known))
        {
            return known;
        }

        var db = await session.ForReadAsync(cancellationToken).ConfigureAwait(false);
        var row = await db.SymbolHalts.AsNoTracking().FirstOrDefaultAsync(h => h.Exchange == exchange && h.Symbol == symbol, cancellationToken).ConfigureAwait(false);
        _seen[(exchange, symbol)] = row;
        return row;
    }

    private static SymbolHaltRow ToRow(SymbolHalt halt, Guid id, long version, DateTimeOffset? createdAt) => new()
    {
        Id = id,
        Exchange = halt.Exchange.Value,
        Symbol = halt.Symbol.Value,
        Reason = halt.Reason.ToCode(),
        Detail = halt.Detail,
        HaltedAt = halt.HaltedAt,
        HaltedUntil = halt.Until,
        ReleasedAt = halt.ReleasedAt,
        Version = version,
        CreatedAt = createdAt,
        UpdatedAt = halt.ReleasedAt ?? halt.HaltedAt,
    };

    private static SymbolHalt ToDomain(SymbolHaltRow row) => new(
        new ExchangeName(row.Exchange),
        new Symbol(row.Symbol),
        HaltReasons.Parse(row.Reason),
        row.Detail,
        row.HaltedAt,
        row.HaltedUntil,
        row.ReleasedAt);
}
