namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>
/// One batch shape's SQL and, per parameter slot, the column whose type mapping binds it and the parameter's name
/// (empty for a positional parameter).
/// </summary>
internal sealed class CompiledBatch(string sql, LedgerColumn[] columns, string[] names)
{
    public string Sql { get; } = sql;

    public LedgerColumn[] Columns { get; } = columns;

    public string[] Names { get; } = names;
}
