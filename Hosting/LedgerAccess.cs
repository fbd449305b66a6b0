namespace TradingBot.Hosting;

/// <summary>How a host uses the ledger it registers with <c>AddTradingBotLedger</c>.</summary>
public enum LedgerAccess
{
    /// <summary>Trades: reads and writes the primary; a SQLite ledger is created when it does not exist.</summary>
    ReadWrite,

    /// <summary>Reads the primary only: a SQLite ledger must exist and is opened read-only.</summary>
    ReadOnly,

    /// <summary>
    /// Reports and dashboards: <c>ConnectionStrings:LedgerReadOnly</c> (a read replica) when it is set, else the primary
    /// read-only. A trading decision never reads a replica.
    /// </summary>
    ReadReplica,
}
