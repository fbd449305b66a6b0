using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Exchanges.Paper;

namespace TradingBot.Infrastructure.Exchanges.Tests;

/// <summary>
/// The paper exchange's SQLite state file: an earlier version's JSON state carried over whole, a file that is no state
/// refused by name with nothing left behind, and every question a call asks answered through an index.
/// </summary>
[TestFixture]
public sealed class PaperStorage
{
    private static readonly Symbol BtcUsdt = new("BTCUSDT");
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 7, 0, 0, TimeSpan.Zero);
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("tradingbot-paper-storage-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    private static IdempotencyKey Key(int n) => IdempotencyKey.For(new TradingIntent("paper", PaperExchange.PaperName, BtcUsdt, Start.AddMinutes(n), "open"));

    private static PaperExchange Open(string path, FakeTimeProvider time) =>
        new(new PaperExchangeOptions { StatePath = path, Speed = 60 }, time);

    // A state file as versions before the SQLite book wrote it (System.Text.Json, default options): a filled market sell
    // of 0.01 BTC in two trades, a resting limit buy, one funding payment.
    private static string JsonState() => $$$"""
        {"Seed":42,"RealOrigin":"2026-11-20T07:00:00+00:00","VirtualOrigin":"2026-11-20T07:00:00+00:00","NextOrderId":3,"NextTradeId":3,"WalletUnits":1000012345678,
         "Symbols":{
          "BTCUSDT":{"Step":0,"MarkUnits":6400000000000,"IndexUnits":6400000000000,"FundingRateUnits":10000,"NetQuantityUnits":-1000000,"EntryNotionalUnits":64000000000,"RealizedUnits":0,"LastFundingTime":1763596800,"LowestNetQuantityUnits":-1000000,"HighestNetQuantityUnits":0},
          "ETHUSDT":{"Step":0,"MarkUnits":320000000000,"IndexUnits":320000000000,"FundingRateUnits":10000,"NetQuantityUnits":0,"EntryNotionalUnits":0,"RealizedUnits":0,"LastFundingTime":1763596800,"LowestNetQuantityUnits":0,"HighestNetQuantityUnits":0}},
         "Orders":[
          {"OrderId":1,"ClientOrderId":"{{{Key(1).Value}}}","Symbol":"BTCUSDT","Side":"SELL","Type":"MARKET","QuantityUnits":1000000,"PriceUnits":null,"StopPriceUnits":null,"ReduceOnly":false,"FilledUnits":1000000,"Status":"FILLED","UpdatedAt":"2026-11-20T07:00:00+00:00","VisibleAt":null},
          {"OrderId":2,"ClientOrderId":"{{{Key(2).Value}}}","Symbol":"BTCUSDT","Side":"BUY","Type":"LIMIT","QuantityUnits":20000000,"PriceUnits":100000000000,"StopPriceUnits":null,"ReduceOnly":false,"FilledUnits":0,"Status":"NEW","UpdatedAt":"2026-11-20T07:00:00+00:00","VisibleAt":null}],
         "Trades":[
          {"TradeId":1,"OrderId":1,"ClientOrderId":"{{{Key(1).Value}}}","Symbol":"BTCUSDT","Side":"SELL","PriceUnits":6400000000000,"QuantityUnits":600000,"FeeUnits":15360000,"Time":"2026-11-20T07:00:00+00:00"},
          {"TradeId":2,"OrderId":1,"ClientOrderId":"{{{Key(1).Value}}}","Symbol":"BTCUSDT","Side":"SELL","PriceUnits":6399990000000,"QuantityUnits":400000,"FeeUnits":10239984,"Time":"2026-11-20T07:00:00+00:00"}],
         "Funding":[{"Id":"PAPER:FUNDING:BTCUSDT:1763596800","Symbol":"BTCUSDT","AmountUnits":6400000,"Time":"2026-11-20T00:00:00+00:00"}]}
        """;

    private static async Task AssertCarriedOverAsync(PaperExchange paper)
    {
        var found = await paper.GetOrderAsync(BtcUsdt, Key(1), CancellationToken.None);
        var open = await paper.GetOpenOrdersAsync(BtcUsdt, CancellationToken.None);
        var trades = await paper.GetTradesAsync(BtcUsdt, Start.AddHours(-1), CancellationToken.None);
        var funding = await paper.GetFundingPaymentsAsync(Start.AddDays(-1), CancellationToken.None);
        var positions = await paper.GetPositionsAsync(CancellationToken.None);
        var balances = await paper.GetBalancesAsync(CancellationToken.None);
        var next = (PlaceOrderResult.Accepted)await paper.PlaceOrderAsync(new OrderRequest(Key(3), BtcUsdt, Side.Buy, OrderType.Limit, Quantity.Parse("0.1"), Price.Parse("1000")), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(((OrderLookupResult.Found)found).State.FilledQuantity, Is.EqualTo(Quantity.Parse("0.01")));
            Assert.That(open.Select(o => o.ClientOrderId), Is.EqualTo((string[])[Key(2).Value]));
            Assert.That(trades.Select(t => t.ExchangeFillId.Value), Is.EqualTo((string[])["PAPER:BTCUSDT:1", "PAPER:BTCUSDT:2"]));
            Assert.That(trades.Select(t => t.Fee.Amount.Units), Is.EqualTo((long[])[15_360_000, 10_239_984]));
            Assert.That(funding.Single().Amount.Amount, Is.EqualTo(Amount.Parse("0.064")));
            Assert.That(positions.Single().NetQuantity, Is.EqualTo(Amount.Parse("-0.01")));
            Assert.That(balances.Single().Wallet, Is.EqualTo(Amount.Parse("10000.12345678")));
            Assert.That(next.State.ExchangeOrderId, Is.EqualTo("3"), "the order ids go on where they stopped");
        }
    }

    [Test]
    public async Task An_earlier_versions_json_state_beside_the_new_file_is_carried_over_whole_and_kept_renamed()
    {
        var json = Path.Combine(_folder, "paper-exchange.json");
        var db = Path.Combine(_folder, "paper-exchange.db");
        await File.WriteAllTextAsync(json, JsonState());
        var time = new FakeTimeProvider(Start);

        using (var paper = Open(db, time))
        {
            await AssertCarriedOverAsync(paper);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.Exists(json), Is.False, "the JSON file is not read a second time");
            Assert.That(await File.ReadAllTextAsync(json + ".imported"), Is.EqualTo(JsonState()), "and is kept as it was");
        }

        using var reopened = Open(db, time);
        Assert.That((await reopened.GetTradesAsync(BtcUsdt, Start.AddHours(-1), CancellationToken.None)).Count, Is.EqualTo(2), "nothing was carried over twice");
    }

    [Test]
    public async Task A_configured_path_holding_an_earlier_json_state_becomes_a_sqlite_file_with_the_json_kept_beside()
    {
        var path = Path.Combine(_folder, "paper-exchange.json");
        await File.WriteAllTextAsync(path, JsonState());

        using (var paper = Open(path, new FakeTimeProvider(Start)))
        {
            await AssertCarriedOverAsync(paper);
        }

        var header = new byte[16];
        await using (var file = File.OpenRead(path))
        {
            await file.ReadExactlyAsync(header);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(System.Text.Encoding.ASCII.GetString(header), Is.EqualTo("SQLite format 3\0"));
            Assert.That(await File.ReadAllTextAsync(path + ".v1.json"), Is.EqualTo(JsonState()));
            Assert.That(File.Exists(path + ".importing"), Is.False);
        }
    }

    [TestCase("not a state at all, and not JSON")]
    [TestCase("{ \"Seed\": 42, \"Orders\": [ { \"OrderId\": ")]
    public void A_file_that_is_no_state_is_refused_by_name_and_nothing_half_made_is_left(string content)
    {
        var path = Path.Combine(_folder, "paper-exchange.db");
        File.WriteAllText(path, content);

        var error = Assert.Throws<InvalidDataException>(() => Open(path, new FakeTimeProvider(Start)).Dispose());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.Contain(path));
            Assert.That(File.ReadAllText(path), Is.EqualTo(content), "the file is left as it was");
            Assert.That(Directory.GetFiles(_folder).Select(Path.GetFileName), Is.EquivalentTo((string[])["paper-exchange.db", ".paper-exchange.db.lock"]));
        }
    }

    [Test]
    public void A_state_file_of_a_later_format_is_refused_rather_than_read_wrong()
    {
        var path = Path.Combine(_folder, "paper-exchange.db");
        using (Open(path, new FakeTimeProvider(Start)))
        {
        }

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 4";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<InvalidDataException>(() => Open(path, new FakeTimeProvider(Start)).Dispose());
        Assert.That(error!.Message, Does.Contain("format 4").And.Contain(path));
    }

    // Simulated time is the origin plus the real time since it, times the speed: reopened slower, the clock would go back
    // (trades stamped before earlier ones, a cursor past them); faster, it would leap. Refused, naming both speeds.
    [Test]
    public async Task A_state_file_reopened_at_another_speed_is_refused_naming_both_and_at_its_own_it_carries_on()
    {
        var path = Path.Combine(_folder, "paper-exchange.db");
        var time = new FakeTimeProvider(Start);
        DateTimeOffset before;
        using (var paper = Open(path, time))
        {
            time.Advance(TimeSpan.FromMinutes(10));
            await paper.PlaceOrderAsync(new OrderRequest(Key(1), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.002"), null), CancellationToken.None);
            before = paper.SimulatedNow;
        }

        var slower = Assert.Throws<ArgumentException>(() => new PaperExchange(new PaperExchangeOptions { StatePath = path, Speed = 6 }, time).Dispose());
        var faster = Assert.Throws<ArgumentException>(() => new PaperExchange(new PaperExchangeOptions { StatePath = path, Speed = 600 }, time).Dispose());
        using var again = Open(path, time);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(slower!.Message, Does.Contain("Exchange:Paper:Speed is 6").And.Contain("has run at 60").And.Contain("back").And.Contain(path));
            Assert.That(faster!.Message, Does.Contain("Exchange:Paper:Speed is 600").And.Contain("ahead"));
            Assert.That(again.SimulatedNow, Is.EqualTo(before), "at its own speed the clock goes on from where it was");
            Assert.That(await again.GetTradesAsync(BtcUsdt, Start, CancellationToken.None), Is.Not.Empty);
        }
    }

    // A format-2 file (before the speed was kept) is upgraded in place: its trades stay, and the speed it is next opened at
    // becomes its own.
    [Test]
    public async Task A_state_file_of_the_format_before_the_speed_was_kept_is_upgraded_and_keeps_the_speed_it_is_opened_at()
    {
        var path = Path.Combine(_folder, "paper-exchange.db");
        var time = new FakeTimeProvider(Start);
        using (var paper = Open(path, time))
        {
            await paper.PlaceOrderAsync(new OrderRequest(Key(1), BtcUsdt, Side.Sell, OrderType.Market, Quantity.Parse("0.002"), null), CancellationToken.None);
        }

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE paper_account DROP COLUMN speed; PRAGMA user_version = 2";
            command.ExecuteNonQuery();
        }

        IReadOnlyList<ExchangeTrade> trades;
        using (var upgraded = Open(path, time))
        {
            trades = await upgraded.GetTradesAsync(BtcUsdt, Start.AddDays(-1), CancellationToken.None);
        }

        var refused = Assert.Throws<ArgumentException>(() => new PaperExchange(new PaperExchangeOptions { StatePath = path, Speed = 600 }, time).Dispose());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(trades, Is.Not.Empty);
            Assert.That(refused!.Message, Does.Contain("has run at 60"));
        }
    }

    /// <summary>
    /// On a book of many orders and trades, SQLite answers each question a call asks through the index meant for it (open
    /// orders through the index of open orders only, not all of a symbol's), never by reading a whole table and in the
    /// index's order: what a call costs follows what it returns.
    /// </summary>
    [Test]
    public async Task Every_question_a_call_asks_is_answered_through_an_index()
    {
        var path = Path.Combine(_folder, "paper-exchange.db");
        var time = new FakeTimeProvider(Start);
        using (var paper = Open(path, time))
        {
            for (var i = 0; i < 200; i++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                await paper.PlaceOrderAsync(new OrderRequest(Key(i), BtcUsdt, i % 2 == 0 ? Side.Buy : Side.Sell, OrderType.Market, Quantity.Parse("0.002"), null), CancellationToken.None);
            }
        }

        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using (var analyze = connection.CreateCommand())
        {
            analyze.CommandText = "SELECT COUNT(*) FROM paper_trades";
            Assert.That(Convert.ToInt64(analyze.ExecuteScalar(), CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(200), "a book with history");
        }

        var plans = new Dictionary<string, (string Plan, string Index)>();
        foreach (var (name, sql, index) in SqlitePaperBook.CallQueries)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + sql;
            foreach (var (parameter, value) in new (string, object)[] { ("$symbol", "BTCUSDT"), ("$client", Key(7).Value), ("$id", 7L), ("$since", Start.UtcTicks) })
            {
                if (sql.Contains(parameter, StringComparison.Ordinal))
                {
                    command.Parameters.AddWithValue(parameter, value);
                }
            }

            using var reader = command.ExecuteReader();
            var lines = new List<string>();
            while (reader.Read())
            {
                lines.Add(reader.GetString(3));
            }

            plans[name] = (string.Join("; ", lines), index);
        }

        using (Assert.EnterMultipleScope())
        {
            foreach (var (name, (plan, index)) in plans)
            {
                Assert.That(plan, Does.Contain(index), $"{name} goes through {index}");
                var scans = plan.Split("; ").Where(line => line.StartsWith("SCAN", StringComparison.Ordinal) && !line.Contains("USING INDEX paper_orders_open", StringComparison.Ordinal));
                Assert.That(scans, Is.Empty, $"{name}: {plan}");
                Assert.That(plan, Does.Not.Contain("TEMP B-TREE"), $"{name} is read in its index's order: {plan}");
            }
        }
    }

    [Test]
    public async Task A_call_that_changes_nothing_writes_nothing_and_one_that_does_is_committed_before_it_answers()
    {
        var path = Path.Combine(_folder, "paper-exchange.db");
        var time = new FakeTimeProvider(Start);
        using var paper = Open(path, time);
        using var watcher = new SqliteConnection($"Data Source={path};Pooling=False");
        watcher.Open();
        long DataVersion()
        {
            using var command = watcher.CreateCommand();
            command.CommandText = "PRAGMA data_version"; // changes when another connection commits a change
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        var before = DataVersion();
        await paper.GetOpenOrdersAsync(BtcUsdt, CancellationToken.None);
        await paper.GetOrderAsync(BtcUsdt, Key(1), CancellationToken.None);
        await paper.GetPositionsAsync(CancellationToken.None);
        var afterReads = DataVersion();
        await paper.PlaceOrderAsync(new OrderRequest(Key(1), BtcUsdt, Side.Buy, OrderType.Market, Quantity.Parse("0.002"), null), CancellationToken.None);
        var afterOrder = DataVersion();
        time.Advance(TimeSpan.FromMinutes(1)); // a simulated hour: prices move
        await paper.GetPositionsAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterReads, Is.EqualTo(before), "reads in the same simulated minute wrote nothing");
            Assert.That(afterOrder, Is.Not.EqualTo(afterReads), "the order was committed before the answer");
            Assert.That(DataVersion(), Is.Not.EqualTo(afterOrder), "the market moving is stored");
        }
    }

    /// <summary>The file states a crash can leave while a JSON state is carried over in place, each finished on the next opening.</summary>
    public enum CutShort
    {
        /// <summary>The SQLite file was complete as .importing, the JSON file renamed, the last rename not done.</summary>
        BeforeTheLastRename,

        /// <summary>The SQLite file was complete as .importing, neither file renamed.</summary>
        BeforeEitherRename,
    }

    [TestCase(CutShort.BeforeTheLastRename)]
    [TestCase(CutShort.BeforeEitherRename)]
    public async Task A_carry_over_in_place_cut_short_by_a_crash_is_finished_on_the_next_opening(CutShort when)
    {
        var path = Path.Combine(_folder, "paper-exchange.json");
        await File.WriteAllTextAsync(path, JsonState());
        using (Open(path, new FakeTimeProvider(Start)))
        {
        }

        // Put the files back as the crash left them.
        File.Move(path, path + ".importing");
        if (when == CutShort.BeforeEitherRename)
        {
            File.Move(path + ".v1.json", path);
        }

        using (var paper = Open(path, new FakeTimeProvider(Start)))
        {
            await AssertCarriedOverAsync(paper);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.Exists(path + ".importing"), Is.False);
            Assert.That(await File.ReadAllTextAsync(path + ".v1.json"), Is.EqualTo(JsonState()));
        }
    }

    [Test]
    public async Task A_new_file_left_without_an_account_by_a_crash_still_carries_the_json_beside_it_over()
    {
        var json = Path.Combine(_folder, "paper-exchange.json");
        var db = Path.Combine(_folder, "paper-exchange.db");
        await File.WriteAllTextAsync(json, JsonState());
        await File.WriteAllBytesAsync(db, []); // created, nothing committed in it yet

        using var paper = Open(db, new FakeTimeProvider(Start));

        await AssertCarriedOverAsync(paper);
    }

    /// <summary>
    /// The SQLite book answers exactly as the in-memory one (the earlier versions' semantics) through hours of simulated
    /// trading: resting orders filling as the price crosses them between calls, market orders, funding settlements.
    /// </summary>
    [Test]
    public async Task The_file_book_answers_every_call_as_the_memory_book_does()
    {
        var memoryTime = new FakeTimeProvider(Start);
        var fileTime = new FakeTimeProvider(Start);
        using var memory = new PaperExchange(new PaperExchangeOptions { StatePath = string.Empty, Speed = 600 }, memoryTime);
        using var file = new PaperExchange(new PaperExchangeOptions { StatePath = Path.Combine(_folder, "paper-exchange.db"), Speed = 600 }, fileTime);
        var filledWhileResting = 0;

        for (var step = 0; step < 60; step++)
        {
            memoryTime.Advance(TimeSpan.FromSeconds(10)); // 100 simulated minutes
            fileTime.Advance(TimeSpan.FromSeconds(10));
            var answers = new List<string>();
            foreach (var paper in (PaperExchange[])[memory, file])
            {
                var open = await paper.GetOpenOrdersAsync(null, CancellationToken.None);
                var mark = (await paper.GetFundingQuoteAsync(BtcUsdt, CancellationToken.None)).MarkPrice;
                const long Tick = 10_000_000; // BTCUSDT's tick, 0.1
                var below = new Price((mark.Units - (mark.Units / 500)) / Tick * Tick); // 0.2 % under the mark: the walk crosses it
                var placed = step % 3 == 0
                    ? await paper.PlaceOrderAsync(new OrderRequest(Key(1000 + step), BtcUsdt, Side.Buy, OrderType.Limit, Quantity.Parse("0.002"), below), CancellationToken.None)
                    : await paper.PlaceOrderAsync(new OrderRequest(Key(1000 + step), BtcUsdt, step % 3 == 1 ? Side.Sell : Side.Buy, OrderType.Market, Quantity.Parse("0.002"), null), CancellationToken.None);
                var trades = await paper.GetTradesAsync(BtcUsdt, Start, CancellationToken.None);
                var funding = await paper.GetFundingPaymentsAsync(Start, CancellationToken.None);
                var positions = await paper.GetPositionsAsync(CancellationToken.None);
                if (paper == file)
                {
                    filledWhileResting += open.Count(o => o.Status is not (OrderStatus.Open or OrderStatus.PartiallyFilled));
                }

                answers.Add(string.Join("\n", [
                    .. open.Select(o => o.ToString()), placed.ToString(), .. trades.Select(t => t.ToString()),
                    .. funding.Select(f => $"{f.ExchangePaymentId} {f.Amount} {f.PaidAt:O}"), .. positions.Select(p => p.ToString())]));
            }

            Assert.That(answers[1], Is.EqualTo(answers[0]), $"step {step}");
        }

        var record = file.Record();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(filledWhileResting, Is.Zero, "no order listed as open is filled");
            Assert.That(record.Funding, Is.Not.Empty, "funding was settled on a position");
            Assert.That(record.Orders.Count(o => o.Type == OrderType.Limit && o.Status == OrderStatus.Filled), Is.GreaterThan(0), "resting orders filled as the price crossed them");
        }
    }
}
