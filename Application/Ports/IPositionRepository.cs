using TradingBot.Domain.Instruments;
using TradingBot.Domain.Positions;

namespace TradingBot.Application.Ports;

/// <summary>Current positions, one per exchange and symbol.</summary>
public interface IPositionRepository
{
    /// <summary>The position, or null when none was ever recorded.</summary>
    Task<Position?> GetAsync(ExchangeName exchange, Symbol symbol, CancellationToken cancellationToken);

    /// <summary>Inserts or updates the position; a concurrent change of the same row fails the unit of work.</summary>
    Task SaveAsync(Position position, CancellationToken cancellationToken);

    /// <summary>All positions.</summary>
    Task<IReadOnlyList<Position>> GetAllAsync(CancellationToken cancellationToken);
}
