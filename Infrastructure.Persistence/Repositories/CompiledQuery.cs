using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Metadata;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>
/// A compiled EF Core query per model: EF binds a compiled query to the first model it runs against, and
/// one process may use the ledger on SQLite and on Postgres (two models), so each model gets its own.
/// </summary>
internal sealed class CompiledQuery<TDelegate>(Func<IModel, TDelegate> compile)
    where TDelegate : Delegate
{
    private readonly ConditionalWeakTable<IModel, TDelegate> _byModel = [];
    private readonly ConditionalWeakTable<IModel, TDelegate>.CreateValueCallback _compile = model => compile(model);

    /// <summary>A query that is the same text on every model.</summary>
    public CompiledQuery(Func<TDelegate> compile)
        : this(_ => compile())
    {
    }

    public TDelegate For(LedgerDbContext db) => _byModel.GetValue(db.Model, _compile);
}
