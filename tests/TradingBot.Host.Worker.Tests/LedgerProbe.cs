using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace TradingBot.Host.Worker.Tests;

/// <summary>Reads a ledger database and the paper exchange's state file directly, to check the worker from outside.</summary>
public sealed class LedgerProbe(Func<DbConnection> open, string paperStatePath)
{
    public static LedgerProbe Sqlite(string folder) =>
        new(() => new SqliteConnection($"Data Source={Path.Combine(folder, "data", "ledger.db")};Mode=ReadOnly;Pooling=False"), Path.Combine(folder, "data", "paper-exchange.db"));

    public static LedgerProbe Postgres(string connectionString, string folder) =>
        new(() => new NpgsqlConnection(connectionString), Path.Combine(folder, "data", "paper-exchange.db"));

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

    /// <summary>Rows of text columns (cast numbers to text in the SQL).</summary>
    public async Task<List<string[]>> RowsAsync(string sql)
    {
        await using var connection = open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? string.Empty : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!)]);
        }

        return rows;
    }

    /// <summary>Waits until <paramref name="sql"/> counts at least <paramref name="least"/>.</summary>
    public async Task WaitForCountAtLeastAsync(string sql, long least, TimeSpan timeout, Func<string> diagnostics, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await CountAsync(sql) < least)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"'{sql}' did not count {least} within {timeout}:\n{diagnostics()}");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>Waits until <paramref name="sql"/> counts exactly <paramref name="expected"/>.</summary>
    public async Task WaitForCountAsync(string sql, long expected, TimeSpan timeout, Func<string> diagnostics)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await CountAsync(sql) != expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"'{sql}' did not count {expected} within {timeout}:\n{diagnostics()}");
            }

            await Task.Delay(250);
        }
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
        var orders = PaperRows("SELECT client_order_id FROM paper_orders").Select(r => (string)r[0]).ToList();
        var fills = PaperRows("SELECT symbol, trade_id FROM paper_trades").Select(r => $"PAPER:{r[0]}:{r[1]}").ToList();
        var positions = PaperRows("SELECT symbol, net_quantity_units FROM paper_symbols").ToDictionary(r => (string)r[0], r => (long)r[1]);
        return (orders, fills, positions);
    }

    /// <summary>The paper exchange's number of trades of each order, by client order id.</summary>
    public Dictionary<string, long> PaperTradesPerOrder() =>
        PaperRows("SELECT client_order_id, COUNT(*) FROM paper_trades GROUP BY client_order_id").ToDictionary(r => (string)r[0], r => (long)r[1]);

    // The paper exchange's own tables (its SQLite state file), read-only beside the worker that trades on it.
    private List<object[]> PaperRows(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={paperStatePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object[]>();
        while (reader.Read())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
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

    /// <summary>
    /// Checks the ledger against the exchange's own record the way a bank reconciles: every exchange trade is a ledger
    /// fill exactly once with the same price, quantity and fee, under the order it belongs to (the ledger's key, or the
    /// external key of an order the ledger did not place); every order sent under a ledger key is in the ledger with its
    /// quantity and status, and was sent once; no order the ledger judged never placed exists at the exchange; positions
    /// are equal; and the exchange's position never left [<paramref name="lowest"/>, <paramref name="highest"/>].
    /// </summary>
    public async Task AssertBankReconciliationAsync(long lowest, long highest)
    {
        var orders = PaperRows("SELECT order_id, client_order_id, symbol, quantity_units, filled_units, status FROM paper_orders").Select(o => new
        {
            Id = (long)o[0],
            ClientId = (string)o[1],
            Symbol = (string)o[2],
            Quantity = (long)o[3],
            Filled = (long)o[4],
            Status = (string)o[5],
        }).ToList();
        var byId = orders.ToDictionary(o => o.Id);
        string LedgerKey(long orderId) => byId[orderId].ClientId.StartsWith("tb-", StringComparison.Ordinal) ? byId[orderId].ClientId : $"EXT:PAPER:{byId[orderId].Symbol}:{orderId}";
        var trades = PaperRows("SELECT symbol, trade_id, price_units, quantity_units, fee_units, order_id FROM paper_trades").Select(t => string.Join('|',
            $"PAPER:{t[0]}:{t[1]}", t[2], t[3], t[4], LedgerKey((long)t[5]))).ToList();
        var symbols = PaperRows("SELECT symbol, net_quantity_units, lowest_net_quantity_units, highest_net_quantity_units FROM paper_symbols")
            .ToDictionary(s => (string)s[0], s => (Net: (long)s[1], Lowest: (long)s[2], Highest: (long)s[3]));

        var fills = (await RowsAsync(
            "SELECT f.exchange_fill_id, CAST(f.price_quote AS TEXT), CAST(f.quantity_base AS TEXT), CAST(f.fee_quote AS TEXT), o.idempotency_key FROM fills f JOIN orders o ON o.id = f.order_id"))
            .Select(r => string.Join('|', r)).ToList();
        var ledgerOrders = (await RowsAsync("SELECT idempotency_key, status, CAST(quantity_base AS TEXT) FROM orders"))
            .ToDictionary(r => r[0], r => (Status: r[1], Quantity: long.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture)));
        var ledgerPositions = (await RowsAsync("SELECT symbol, CAST(net_quantity_base AS TEXT) FROM positions"))
            .ToDictionary(r => r[0], r => long.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture));

        var sent = orders.Where(o => o.ClientId.StartsWith("tb-", StringComparison.Ordinal)).ToList();
        var expectedStatus = sent.Select(o => (o.ClientId, Status: o.Status switch
        {
            "FILLED" => "FILLED",
            "NEW" => "OPEN",
            "PARTIALLY_FILLED" => "PARTIALLY_FILLED",
            _ => "CANCELLED",
        }, o.Quantity)).ToList();
        var rejectedAtExchange = ledgerOrders.Where(l => l.Value.Status == "REJECTED" && sent.Any(o => o.ClientId == l.Key)).Select(l => l.Key).ToList();
        var externalWithTrades = orders.Where(o => !o.ClientId.StartsWith("tb-", StringComparison.Ordinal) && o.Filled > 0)
            .Select(o => ($"EXT:PAPER:{o.Symbol}:{o.Id}", "FILLED", o.Filled)).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(trades.Except(fills), Is.Empty, "every exchange trade is a ledger fill, with exact amounts, under its order");
            Assert.That(fills.Except(trades), Is.Empty, "every ledger fill is an exchange trade");
            Assert.That(fills, Is.Unique, "no trade is recorded twice");
            Assert.That(sent.Select(o => o.ClientId), Is.Unique, "no key was sent twice");
            Assert.That(
                expectedStatus.Select(e => ledgerOrders.TryGetValue(e.ClientId, out var l) ? (e.ClientId, l.Status, l.Quantity) : (e.ClientId, "missing", 0L)).Except(expectedStatus),
                Is.Empty,
                "every order sent is in the ledger with the quantity sent and the exchange's status");
            Assert.That(rejectedAtExchange, Is.Empty, "no order judged never placed exists at the exchange");
            Assert.That(
                externalWithTrades.Select(e => ledgerOrders.TryGetValue(e.Item1, out var l) ? (e.Item1, l.Status, l.Quantity) : (e.Item1, "missing", 0L)).Except(externalWithTrades),
                Is.Empty,
                "every order the ledger did not place is in it as an external order, with what it executed");
            Assert.That(
                ledgerPositions.Where(p => p.Value != 0).Select(p => $"{p.Key}={p.Value}"),
                Is.EquivalentTo(symbols.Where(s => s.Value.Net != 0).Select(s => $"{s.Key}={s.Value.Net}")),
                "ledger positions equal the exchange's");
            foreach (var (symbol, state) in symbols)
            {
                Assert.That(state.Lowest, Is.GreaterThanOrEqualTo(lowest), $"{symbol} was never shorter than the strategy means");
                Assert.That(state.Highest, Is.LessThanOrEqualTo(highest), $"{symbol} was never longer than the strategy means");
            }
        }
    }
}
