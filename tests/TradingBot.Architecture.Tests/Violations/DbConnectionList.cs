using System.Data.Common;

namespace TradingBot.Architecture.Tests.Violations;

/// <summary>Breaks the inner layers' rule only in a generic argument of a field's type: ADO.NET's DbConnection.</summary>
public sealed class DbConnectionList
{
    private readonly List<DbConnection> _open = [];

    /// <summary>How many connections are open.</summary>
    public int Count => _open.Count;
}
