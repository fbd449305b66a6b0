using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence;

namespace TradingBot.Infrastructure.Postgres;

/// <summary>Contexts on one connection string outside the host's pool: the migrations' direct connection when the data goes through a pooler.</summary>
internal sealed class PostgresContextFactory(string connectionString) : IDbContextFactory<LedgerDbContext>
{
    private readonly DbContextOptions<LedgerDbContext> _options =
        (DbContextOptions<LedgerDbContext>)PostgresLedger.Configure(new DbContextOptionsBuilder<LedgerDbContext>(), connectionString).Options;

    public LedgerDbContext CreateDbContext() => new(_options);
}
