namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>The schema's own checks, unique keys and cascades, probed with raw SQL.</summary>
public abstract class DatabaseConstraintsContract : DatabaseContract
{
    [TestCase("side", "'HOLD'")]
    [TestCase("type", "'STOP'")]
    [TestCase("status", "'DONE'")]
    [TestCase("quantity_base", "0")]
    public void The_database_rejects_an_order_that_breaks_a_check(string column, string value)
    {
        var values = new Dictionary<string, string>
        {
            ["side"] = "'BUY'",
            ["type"] = "'MARKET'",
            ["status"] = "'PENDING'",
            ["quantity_base"] = "1",
        };
        values[column] = value;
        var sql = $"INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, filled_quantity_base) " +
                  $"VALUES ('{Guid.NewGuid()}', 'BINANCE', 'BTCUSDT', {values["side"]}, {values["type"]}, {values["quantity_base"]}, {values["status"]}, 0)";

        var exception = Assert.CatchAsync(() => Db.ExecuteAsync(sql));

        Assert.That(exception!.Message, Does.Contain("check").IgnoreCase.Or.Contain("constraint").IgnoreCase);
    }

    [Test]
    public async Task The_database_accepts_a_valid_raw_order_and_rejects_a_duplicate_fill_id()
    {
        var id = Guid.NewGuid();
        await Db.ExecuteAsync($"INSERT INTO orders (id, exchange, symbol, side, type, quantity_base, status, filled_quantity_base) VALUES ('{id}', 'BINANCE', 'BTCUSDT', 'BUY', 'MARKET', 1, 'OPEN', 0)");
        var insertFill = $"INSERT INTO fills (id, order_id, exchange_fill_id, price_quote, quantity_base, fee_quote, fee_asset, filled_at, position_sequence) " +
                         $"VALUES ('{{0}}', '{id}', 'dup', 1, 1, 0, 'USDT', '2026-11-20 08:00:00', 1)";
        await Db.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, insertFill, Guid.NewGuid()));

        var exception = Assert.CatchAsync(() => Db.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, insertFill, Guid.NewGuid())));

        Assert.That(exception!.Message, Does.Contain("unique").IgnoreCase.Or.Contain("duplicate").IgnoreCase);
    }

    [Test]
    public async Task Deleting_an_order_cascades_to_its_fills()
    {
        var order = await CreateOpenAsync(PendingOrder(quantity: "1"), "16");
        await NewRecordFill().ExecuteAsync(FillOf(order, "f-cascade", "100", "1"), CancellationToken.None);

        await Db.ExecuteAsync($"DELETE FROM orders WHERE exchange_order_id = 'BINANCE:BTCUSDT:16'");

        Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.Zero);
    }
}
