using TradingBot.Domain.Instruments;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Ports;

/// <summary>Halted symbols: one record per exchange and symbol, kept after the halt lifts.</summary>
public interface ISymbolHaltRepository
{
    /// <summary>The symbol's halt record (active or lifted), or null when it was never halted.</summary>
    Task<SymbolHalt?> GetAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken);

    /// <summary>Every halt record, active and lifted, by exchange and symbol.</summary>
    Task<IReadOnlyList<SymbolHalt>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the symbol's record; a concurrent change of the same record fails the unit of work.</summary>
    Task SaveAsync(SymbolHalt halt, CancellationToken cancellationToken);
}
