namespace TradingBot.Application.Ports;

/// <summary>Checks of the stored data itself, beyond what the repositories can see: duplicates, orphans, file integrity.</summary>
public interface ILedgerIntegrity
{
    /// <summary>One line per problem found in storage; empty when none.</summary>
    Task<IReadOnlyList<string>> CheckStorageAsync(CancellationToken cancellationToken);
}
