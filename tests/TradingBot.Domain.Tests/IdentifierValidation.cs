using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;

namespace TradingBot.Domain.Tests;

public class IdentifierValidation
{
    [TestCase("BINANCE")]
    [TestCase("PAPER")]
    [TestCase("A")]
    [TestCase("EXCHANGE2")]
    public void An_exchange_name_of_upper_case_letters_and_digits_is_accepted(string value)
    {
        Assert.That(new ExchangeName(value).Value, Is.EqualTo(value));
    }

    [TestCase("BTCUSDT")]
    [TestCase("1000PEPEUSDT")]
    [TestCase("X")]
    public void A_symbol_of_upper_case_letters_and_digits_is_accepted(string value)
    {
        Assert.That(new Symbol(value).Value, Is.EqualTo(value));
    }

    [TestCase("USDT")]
    [TestCase("BNB")]
    [TestCase("1INCH")]
    public void An_asset_code_of_upper_case_letters_and_digits_is_accepted(string value)
    {
        Assert.That(new Asset(value).Code, Is.EqualTo(value));
    }

    [Test]
    public void An_exchange_name_may_be_32_characters_but_not_33()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(new ExchangeName(new string('E', 32)).Value, Has.Length.EqualTo(32));
            Assert.That(() => new ExchangeName(new string('E', 33)), Throws.ArgumentException.With.Message.Contains("longer than 32"));
        }
    }

    [Test]
    public void A_symbol_may_be_32_characters_but_not_33()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(new Symbol(new string('S', 32)).Value, Has.Length.EqualTo(32));
            Assert.That(() => new Symbol(new string('S', 33)), Throws.ArgumentException.With.Message.Contains("longer than 32"));
        }
    }

    [Test]
    public void An_asset_code_may_be_20_characters_but_not_21()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(new Asset(new string('A', 20)).Code, Has.Length.EqualTo(20));
            Assert.That(() => new Asset(new string('A', 21)), Throws.ArgumentException.With.Message.Contains("longer than 20"));
        }
    }

    [TestCase("")]
    [TestCase(null)]
    public void An_empty_name_is_refused_everywhere(string? value)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => new ExchangeName(value!), Throws.ArgumentException.With.Message.Contains("empty"));
            Assert.That(() => new Symbol(value!), Throws.ArgumentException.With.Message.Contains("empty"));
            Assert.That(() => new Asset(value!), Throws.ArgumentException.With.Message.Contains("empty"));
        }
    }

    [TestCase("binance")]
    [TestCase("Binance")]
    [TestCase("BTC-USDT")]
    [TestCase("BTC_USDT")]
    [TestCase("BTC USDT")]
    [TestCase(" BTC")]
    [TestCase("BTC/USDT")]
    [TestCase("ÄBC")]
    [TestCase("BTC\u0130")]
    public void Anything_but_upper_case_ASCII_letters_and_digits_is_refused_everywhere(string value)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => new ExchangeName(value), Throws.ArgumentException.With.Message.Contains("upper-case"));
            Assert.That(() => new Symbol(value), Throws.ArgumentException.With.Message.Contains("upper-case"));
            Assert.That(() => new Asset(value), Throws.ArgumentException.With.Message.Contains("upper-case"));
        }
    }

    [Test]
    public void TryCreate_reports_the_problem_instead_of_throwing()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Symbol.TryCreate("btcusdt", out _, out var symbolError), Is.False);
            Assert.That(symbolError, Does.Contain("'btcusdt'"));
            Assert.That(ExchangeName.TryCreate(null, out _, out var exchangeError), Is.False);
            Assert.That(exchangeError, Does.Contain("empty"));
            Assert.That(Asset.TryCreate("usdt", out _, out var assetError), Is.False);
            Assert.That(assetError, Does.Contain("upper-case"));
        }
    }

    [Test]
    public void TryCreate_returns_the_value_when_it_is_valid()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Symbol.TryCreate("BTCUSDT", out var symbol, out _), Is.True);
            Assert.That(symbol, Is.EqualTo(new Symbol("BTCUSDT")));
            Assert.That(ExchangeName.TryCreate("BINANCE", out var exchange, out _), Is.True);
            Assert.That(exchange, Is.EqualTo(new ExchangeName("BINANCE")));
            Assert.That(Asset.TryCreate("BNB", out var asset, out _), Is.True);
            Assert.That(asset, Is.EqualTo(new Asset("BNB")));
        }
    }

    [TestCase("BTCUSDT", "USDT")]
    [TestCase("ETHFDUSD", "FDUSD")]
    [TestCase("ETHUSDC", "USDC")]
    [TestCase("BTCBUSD", "BUSD")]
    [TestCase("BTCUSD", "USD")]
    public void A_symbol_ending_in_a_known_stable_quote_has_that_quote_asset(string symbol, string quote)
    {
        Assert.That(new Symbol(symbol).QuoteAsset, Is.EqualTo(new Asset(quote)));
    }

    [TestCase("BTCXYZ")]
    [TestCase("USDT")]
    [TestCase("USD")]
    [TestCase("BTCUSDTX")]
    public void A_symbol_without_a_known_quote_suffix_has_no_quote_asset(string symbol)
    {
        Assert.That(new Symbol(symbol).QuoteAsset, Is.Null);
    }

    [Test]
    public void An_order_id_cannot_be_the_empty_guid()
    {
        Assert.That(() => new OrderId(Guid.Empty), Throws.ArgumentException);
    }

    [Test]
    public void New_order_ids_are_distinct()
    {
        var first = OrderId.New();
        var second = OrderId.New();

        Assert.That(second, Is.Not.EqualTo(first));
    }

    [TestCase("")]
    [TestCase("has space")]
    [TestCase("tab\there")]
    [TestCase("caf\u00e9")]
    public void An_exchange_fill_id_must_be_printable_ASCII_without_spaces(string value)
    {
        Assert.That(() => new ExchangeFillId(value), Throws.ArgumentException);
    }

    [Test]
    public void An_exchange_fill_id_may_be_128_characters_but_not_129()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(new ExchangeFillId(new string('9', 128)).Value, Has.Length.EqualTo(128));
            Assert.That(() => new ExchangeFillId(new string('9', 129)), Throws.ArgumentException);
        }
    }

    [Test]
    public void An_exchange_fill_id_keeps_punctuation_used_to_qualify_ids()
    {
        Assert.That(new ExchangeFillId("BINANCE:BTCUSDT:123456789").Value, Is.EqualTo("BINANCE:BTCUSDT:123456789"));
    }
}
