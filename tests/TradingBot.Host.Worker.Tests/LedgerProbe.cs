using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace TradingBot.Host.Worker.Tests;

/// <summary>Reads a ledger database and the paper exchange's state file directly, to check the worker from outside.</summary>
public sealed class LedgerProbe(Func<DbConnection> open, string paperStatePath)
{
    public static LedgerProbe Sqlite(string folder) =>
        new(() => new SqliteConnection($"Data Source={Path.Combine(folder, "data", "ledger.db")};Mode=ReadOnly;Pooling=False"), Path.Combine(folder, "data", "paper-exchange.json"));

    public static LedgerProbe Postgres(string connectionString, string folder) =>
        new(() => new NpgsqlConnection(connectionString), Path.Combine(folder, "data", "paper-exchange.json"));

    public async Task<long> CountAsync(string sql)
    {
        try
        {
            await using var connection = open();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is SqliteException or NpgsqlException)
        {
            return -1; // not there yet (no file, no table, server down)
        }
    }

    public async Task<List<string>> StringsAsync(string sql)
    {
        await using var connection = open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    /// <summary>Waits until the ledger holds at least <paramref name="fills"/> fills.</summary>
    public async Task WaitForFillsAsync(long fills, TimeSpan timeout, Func<string> diagnostics)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await CountAsync("SELECT COUNT(*) FROM fills") < fills)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"fewer than {fills} fills after {timeout}:\n{diagnostics()}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>The paper exchange's orders (client order id) and trades (as the ledger's fill ids), and its net positions.</summary>
    public (List<string> ClientOrderIds, List<string> FillIds, Dictionary<string, long> Positions) PaperState()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(paperStatePath));
        var root = document.RootElement;
        var orders = root.GetProperty("Orders").EnumerateArray().Select(o => o.GetProperty("ClientOrderId").GetString()!).ToList();
        var fills = root.GetProperty("Trades").EnumerateArray()
            .Select(t => $"PAPER:{t.GetProperty("Symbol").GetString()}:{t.GetProperty("TradeId").GetInt64()}").ToList();
        var positions = root.GetProperty("Symbols").EnumerateObject()
            .ToDictionary(s => s.Name, s => s.Value.GetProperty("NetQuantityUnits").GetInt64());
        return (orders, fills, positions);
    }

    /// <summary>Every exchange order and trade is in the ledger exactly once, and positions agree.</summary>
    public async Task AssertLedgerMatchesExchangeAsync()
    {
        var (clientOrderIds, fillIds, positions) = PaperState();
        var ledgerKeys = await StringsAsync("SELECT idempotency_key FROM orders WHERE status <> 'REJECTED'");
        var ledgerFills = await StringsAsync("SELECT exchange_fill_id FROM fills");
        var ledgerPositions = await StringsAsync("SELECT symbol || '=' || CAST(net_quantity_base AS TEXT) FROM positions");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(clientOrderIds, Is.Unique, "the exchange never got two orders with one client order id");
            Assert.That(ledgerKeys, Is.EquivalentTo(clientOrderIds), "every exchange order is in the ledger exactly once (and no other live order)");
            Assert.That(ledgerFills, Is.EquivalentTo(fillIds), "every exchange trade is a ledger fill exactly once");
            Assert.That(
                ledgerPositions.Where(p => !p.EndsWith("=0", StringComparison.Ordinal)),
                Is.EquivalentTo(positions.Where(p => p.Value != 0).Select(p => $"{p.Key}={p.Value}")),
                "ledger positions equal the exchange's");
        }
    }
}
