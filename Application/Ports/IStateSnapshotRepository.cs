using TradingBot.Domain.Instruments;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Ports;

/// <summary>Reconciled state snapshots.</summary>
public interface IStateSnapshotRepository
{
    /// <summary>Appends a snapshot.</summary>
    Task AddAsync(StateSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>The newest snapshot for the exchange, or null.</summary>
    Task<StateSnapshot?> GetLatestAsync(ExchangeName exchange, CancellationToken cancellationToken);
}
