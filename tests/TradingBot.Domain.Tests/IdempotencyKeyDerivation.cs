using System.Text;
using System.Text.RegularExpressions;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using static TradingBot.Domain.Tests.TestLedger;

namespace TradingBot.Domain.Tests;

public partial class IdempotencyKeyDerivation
{
    private static TradingIntent Intent(
        string strategy = "momentum",
        string exchange = "BINANCE",
        string symbol = "BTCUSDT",
        DateTimeOffset? slot = null,
        string leg = "open") =>
        new(strategy, new ExchangeName(exchange), new Symbol(symbol), slot ?? T0, leg);

    [GeneratedRegex("^[.A-Z:/a-z0-9_-]{1,36}$")]
    private static partial Regex BinanceClientOrderId();

    [Test]
    public void The_same_intent_always_derives_the_same_key()
    {
        var first = IdempotencyKey.For(Intent());
        var second = IdempotencyKey.For(Intent());

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void The_key_is_pinned_to_the_v1_canonical_text_so_retries_across_releases_still_match()
    {
        // "tb-" + first 32 hex digits of SHA-256("v1|momentum|BINANCE|BTCUSDT|1709280000000|open"), computed outside .NET.
        Assert.That(IdempotencyKey.For(Intent()).Value, Is.EqualTo("tb-e3735bc2213e36aecf4042ce3b258184"));
    }

    [Test]
    public void The_same_instant_in_another_offset_derives_the_same_key()
    {
        var utc = IdempotencyKey.For(Intent(slot: T0));
        var local = IdempotencyKey.For(Intent(slot: T0.ToOffset(TimeSpan.FromHours(5.5))));

        Assert.That(local, Is.EqualTo(utc));
    }

    [Test]
    public void A_different_leg_derives_a_different_key()
    {
        Assert.That(IdempotencyKey.For(Intent(leg: "close")), Is.Not.EqualTo(IdempotencyKey.For(Intent(leg: "open"))));
    }

    [Test]
    public void A_different_slot_derives_a_different_key()
    {
        Assert.That(IdempotencyKey.For(Intent(slot: T0.AddMinutes(1))), Is.Not.EqualTo(IdempotencyKey.For(Intent(slot: T0))));
    }

    [Test]
    public void A_slot_one_millisecond_later_derives_a_different_key()
    {
        Assert.That(IdempotencyKey.For(Intent(slot: T0.AddMilliseconds(1))), Is.Not.EqualTo(IdempotencyKey.For(Intent(slot: T0))));
    }

    [Test]
    public void A_different_symbol_derives_a_different_key()
    {
        Assert.That(IdempotencyKey.For(Intent(symbol: "ETHUSDT")), Is.Not.EqualTo(IdempotencyKey.For(Intent(symbol: "BTCUSDT"))));
    }

    [Test]
    public void A_different_strategy_derives_a_different_key()
    {
        Assert.That(IdempotencyKey.For(Intent(strategy: "funding-arb")), Is.Not.EqualTo(IdempotencyKey.For(Intent(strategy: "momentum"))));
    }

    [Test]
    public void A_different_exchange_derives_a_different_key()
    {
        Assert.That(IdempotencyKey.For(Intent(exchange: "PAPER")), Is.Not.EqualTo(IdempotencyKey.For(Intent(exchange: "BINANCE"))));
    }

    [Test]
    public void A_derived_key_is_tb_and_32_lower_case_hex_digits()
    {
        Assert.That(IdempotencyKey.For(Intent()).Value, Does.Match("^tb-[0-9a-f]{32}$"));
    }

    [Test]
    public void Keys_derived_from_random_intents_are_valid_Binance_client_order_ids_and_distinct()
    {
        const int seed = 31337;
        var random = new Random(seed);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < 2000; i++)
        {
            var intent = new TradingIntent(
                RandomToken(random, "abcdefghijklmnopqrstuvwxyz0123456789-", 32),
                new ExchangeName(RandomToken(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", ExchangeName.MaxLength)),
                new Symbol(RandomToken(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", Symbol.MaxLength)),
                DateTimeOffset.FromUnixTimeMilliseconds(random.NextInt64(0, 4_102_444_800_000)),
                RandomToken(random, "abcdefghijklmnopqrstuvwxyz0123456789-", 32));
            var canonical = $"{intent.StrategyId}|{intent.Exchange}|{intent.Symbol}|{intent.DecisionSlot:O}|{intent.Leg}";

            var key = IdempotencyKey.For(intent).Value;

            Assert.That(key, Does.Match(BinanceClientOrderId()), $"seed {seed}, iteration {i}: {canonical}");
            if (seen.TryGetValue(key, out var earlier))
            {
                Assert.That(canonical, Is.EqualTo(earlier), $"seed {seed}, iteration {i}: two different intents derived {key}");
            }

            seen[key] = canonical;
        }
    }

    [Test]
    public void A_36_character_key_with_every_allowed_character_class_is_accepted()
    {
        const string value = "AZaz09.:/_-AZaz09.:/_-AZaz09.:/_-AZa";
        Assert.That(value, Has.Length.EqualTo(IdempotencyKey.MaxLength));

        Assert.That(new IdempotencyKey(value).Value, Is.EqualTo(value));
    }

    [Test]
    public void A_37_character_key_is_refused()
    {
        Assert.That(() => new IdempotencyKey(new string('a', 37)), Throws.ArgumentException.With.Message.Contains("1 to 36"));
    }

    [TestCase("")]
    [TestCase(null)]
    public void An_empty_key_is_refused(string? value)
    {
        Assert.That(() => new IdempotencyKey(value!), Throws.ArgumentException);
    }

    [TestCase("tb key")]
    [TestCase(" tb")]
    [TestCase("tb#1")]
    [TestCase("tb+1")]
    [TestCase("tb\u00e9")]
    public void A_key_with_a_character_Binance_does_not_allow_is_refused(string value)
    {
        Assert.That(() => new IdempotencyKey(value), Throws.ArgumentException.With.Message.Contains("only letters, digits"));
    }

    [Test]
    public void IsValid_reports_the_problem_without_throwing()
    {
        var ok = IdempotencyKey.IsValid("tb#1", out var error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.False);
            Assert.That(error, Does.Contain("'tb#1'"));
        }
    }

    [TestCase("Momentum")]
    [TestCase("MOMENTUM")]
    [TestCase("mom_entum")]
    [TestCase("mom entum")]
    [TestCase("")]
    public void A_trading_intent_refuses_a_strategy_id_that_is_not_lower_case_letters_digits_or_dashes(string strategy)
    {
        Assert.That(() => Intent(strategy: strategy), Throws.ArgumentException.With.Message.Contains("strategyId"));
    }

    [Test]
    public void A_trading_intent_refuses_a_strategy_id_longer_than_32()
    {
        Assert.That(() => Intent(strategy: new string('s', 33)), Throws.ArgumentException);
    }

    [TestCase("Open")]
    [TestCase("open leg")]
    [TestCase("")]
    public void A_trading_intent_refuses_an_invalid_leg(string leg)
    {
        Assert.That(() => Intent(leg: leg), Throws.ArgumentException.With.Message.Contains("leg"));
    }

    [Test]
    public void A_trading_intent_keeps_its_decision_slot_in_UTC()
    {
        var intent = Intent(slot: new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.FromHours(2)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(intent.DecisionSlot.Offset, Is.EqualTo(TimeSpan.Zero));
            Assert.That(intent.DecisionSlot, Is.EqualTo(T0));
        }
    }

    [Test]
    public void An_external_order_is_keyed_by_exchange_symbol_and_exchange_order_id_and_never_looks_like_a_sent_key()
    {
        var key = IdempotencyKey.External(new ExchangeName("BINANCE"), new Symbol("1000SHIBUSDT"), "8389765519385893232");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(key.Value, Is.EqualTo("EXT:BINANCE:1000SHIBUSDT:8389765519385893232"));
            Assert.That(key.Value, Has.Length.GreaterThan(IdempotencyKey.MaxLength), "longer than a client order id: it is never sent");
            Assert.That(key.IsExternal, Is.True);
            Assert.That(new IdempotencyKey(key.Value), Is.EqualTo(key), "read back from the ledger");
            Assert.That(IdempotencyKey.For(Intent()).IsExternal, Is.False);
        }
    }

    [TestCase("EXT:")]
    [TestCase("EXT:BINANCE:BTCUSDT:1 2")]
    public void An_empty_or_malformed_external_key_is_refused(string text)
    {
        Assert.That(() => new IdempotencyKey(text), Throws.ArgumentException);
    }

    [Test]
    public void An_external_key_longer_than_128_characters_is_refused()
    {
        Assert.That(() => new IdempotencyKey("EXT:" + new string('1', 125)), Throws.ArgumentException);
    }

    private static string RandomToken(Random random, string alphabet, int maxLength)
    {
        var length = random.Next(1, maxLength + 1);
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(alphabet[random.Next(alphabet.Length)]);
        }

        return builder.ToString();
    }
}
