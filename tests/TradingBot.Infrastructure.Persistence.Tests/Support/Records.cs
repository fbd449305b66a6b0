namespace TradingBot.Infrastructure.Persistence.Tests.Support;

/// <summary>The kinds of record a ledger stores, one per table.</summary>
public enum Records
{
    Orders,
    Fills,
    Positions,
    FundingPayments,
    FundingSnapshots,
    StateSnapshots,
    AuditEvents,
    Halts,
}
