using Microsoft.Extensions.DependencyInjection;
using TradingBot.Infrastructure.Exchanges.Binance;

namespace TradingBot.Infrastructure.Exchanges.Tests.Binance;

/// <summary>Exchange:Binance settings are checked before anything is sent, and the key and secret are never shown.</summary>
[TestFixture]
public sealed class BinanceOptionsTests
{
    private const string Key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    private const string Secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    private static BinanceOptions Valid(string baseUrl = BinanceOptions.ProductionBaseUrl) => new() { BaseUrl = baseUrl, ApiKey = Key, ApiSecret = Secret };

    [Test]
    public void Production_is_the_default_base_url_and_it_and_the_testnet_are_accepted()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(new BinanceOptions().BaseUrl, Is.EqualTo("https://fapi.binance.com"));
            Assert.That(Valid().Validate(), Is.Empty);
            Assert.That(Valid(BinanceOptions.TestnetBaseUrl).Validate(), Is.Empty);
        }
    }

    [TestCase("http://fapi.binance.com")]
    [TestCase("http://10.1.2.3:8080")]
    [TestCase("ftp://fapi.binance.com")]
    [TestCase("fapi.binance.com")]
    public void A_base_url_that_is_not_https_and_not_loopback_is_refused(string baseUrl) =>
        Assert.That(Valid(baseUrl).Validate(), Has.One.Contains("Exchange:Binance:BaseUrl"));

    [TestCase("http://127.0.0.1:5005")]
    [TestCase("http://localhost:5005")]
    [TestCase("http://[::1]:5005")]
    public void Plain_http_is_allowed_to_a_loopback_address(string baseUrl) =>
        Assert.That(Valid(baseUrl).Validate(), Is.Empty);

    [Test]
    public void A_base_url_with_a_path_or_credentials_is_refused() =>
        Assert.That(Valid("https://user:pw@fapi.binance.com/fapi").Validate(), Has.One.Contains("Exchange:Binance:BaseUrl"));

    [Test]
    public void A_missing_key_and_secret_and_a_recv_window_out_of_range_are_each_named()
    {
        var problems = new BinanceOptions { RecvWindowMs = 60_001 }.Validate();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(problems, Has.Some.Contains("Exchange:Binance:ApiKey is required"));
            Assert.That(problems, Has.Some.Contains("Exchange:Binance:ApiSecret is required"));
            Assert.That(problems, Has.Some.Contains("Exchange:Binance:RecvWindowMs"));
        }
    }

    [Test]
    public void A_malformed_secret_is_reported_without_its_value()
    {
        var options = Valid();
        options.ApiSecret = Secret + " trailing";

        var problems = options.Validate();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(problems, Has.One.Contains("Exchange:Binance:ApiSecret"));
            Assert.That(string.Join(" ", problems), Does.Not.Contain(Secret));
        }
    }

    [Test]
    public void ToString_redacts_the_key_and_the_secret()
    {
        var text = Valid().ToString();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.Contain("https://fapi.binance.com"));
            Assert.That(text, Does.Not.Contain(Key));
            Assert.That(text, Does.Not.Contain(Secret));
        }
    }

    [Test]
    public void Registration_refuses_invalid_options_with_a_message_that_names_the_setting_but_no_credential()
    {
        var options = Valid("http://binance.example.com");

        var thrown = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddBinanceExchange(options));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(thrown!.Message, Does.Contain("Exchange:Binance:BaseUrl").And.Contain("not HTTPS"));
            Assert.That(thrown.Message, Does.Not.Contain(Key).And.Not.Contain(Secret));
        }
    }
}
