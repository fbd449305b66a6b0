using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Application.Ports;

namespace TradingBot.Infrastructure.Persistence.Tests.Support;

/// <summary>One clean, migrated ledger database for one test, on a real SQLite file or a real Postgres database.</summary>
public sealed class LedgerTestDatabase : ILedgerUnderTest
{
    private readonly ServiceProvider _services;
    private readonly Action<IServiceCollection, string> _addLedger;
    private readonly List<ServiceProvider> _otherProcesses = [];
    private readonly Func<DbConnection> _openConnection;
    private readonly Func<ValueTask> _drop;

    public LedgerTestDatabase(string connectionString, Action<IServiceCollection, string> addLedger, Func<DbConnection> openConnection, Func<ValueTask> drop)
    {
        ConnectionString = connectionString;
        var services = new ServiceCollection();
        services.AddSingleton<IInterceptor>(Faults);
        services.AddSingleton<IInterceptor>(Traffic);
        addLedger(services, connectionString);
        _services = services.BuildServiceProvider();
        _addLedger = addLedger;
        _openConnection = openConnection;
        _drop = drop;
    }

    public string ConnectionString { get; }

    public LedgerFaults Faults { get; } = new();

    public LedgerTraffic Traffic { get; } = new();

    public IUnitOfWork Ledger => _services.GetRequiredService<IUnitOfWork>();

    public IDbContextFactory<LedgerDbContext> Contexts => _services.GetRequiredService<IDbContextFactory<LedgerDbContext>>();

    /// <summary>The storage checks verify runs.</summary>
    public ILedgerIntegrity Integrity => _services.GetRequiredService<ILedgerIntegrity>();

    /// <summary>This database as one end of a copy-ledger, named <paramref name="description"/>.</summary>
    public TradingBot.Infrastructure.Persistence.Copy.LedgerCopyEndpoint Endpoint(string description) =>
        new(Contexts, _services.GetRequiredService<TradingBot.Infrastructure.Persistence.Copy.ILedgerBulkWriter>(), description);

    /// <summary>The same database's ledger as another process would have it: its own contexts, connections and memory of what it wrote.</summary>
    public IUnitOfWork AnotherProcess()
    {
        var services = new ServiceCollection();
        _addLedger(services, ConnectionString);
        var provider = services.BuildServiceProvider();
        _otherProcesses.Add(provider);
        return provider.GetRequiredService<IUnitOfWork>();
    }

    /// <summary>A plain ADO.NET connection (no EF), opened, for checks at the database itself.</summary>
    public DbConnection OpenConnection() => _openConnection();

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The first column of every row <paramref name="sql"/> returns, as text.</summary>
    public async Task<List<string>> StringsAsync(string sql)
    {
        await using var connection = OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    public Task<long> CountAsync(Records kind) => ScalarAsync("SELECT COUNT(*) FROM " + kind switch
    {
        Records.Orders => "orders",
        Records.Fills => "fills",
        Records.Positions => "positions",
        Records.FundingPayments => "funding_payments",
        Records.FundingSnapshots => "funding_snapshots",
        Records.StateSnapshots => "state_snapshots",
        Records.AuditEvents => "audit_log",
        Records.Halts => "symbol_halts",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    });

    public async Task<int> ExecuteAsync(string sql)
    {
        await using var connection = OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var other in _otherProcesses)
        {
            await other.DisposeAsync();
        }

        await _services.DisposeAsync();
        await _drop();
    }
}
