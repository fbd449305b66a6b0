namespace TradingBot.Application.Ports;

/// <summary>The ledger as one transaction sees it.</summary>
public interface ILedgerSession
{
    /// <summary>Orders.</summary>
    IOrderRepository Orders { get; }

    /// <summary>Fills.</summary>
    IFillRepository Fills { get; }

    /// <summary>Positions.</summary>
    IPositionRepository Positions { get; }

    /// <summary>Funding snapshots.</summary>
    IFundingSnapshotRepository FundingSnapshots { get; }

    /// <summary>Funding payments.</summary>
    IFundingPaymentRepository FundingPayments { get; }

    /// <summary>State snapshots.</summary>
    IStateSnapshotRepository StateSnapshots { get; }

    /// <summary>The audit log.</summary>
    IAuditLog Audit { get; }

    /// <summary>Halted symbols.</summary>
    ISymbolHaltRepository Halts { get; }

    /// <summary>Realized results per symbol and UTC day.</summary>
    IPnlDayRepository PnlDays { get; }
}
