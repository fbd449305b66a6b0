using TradingBot.Infrastructure.Exchanges.Binance;

namespace TradingBot.Infrastructure.Exchanges.Tests.Binance;

/// <summary>
/// The signature examples Binance publishes reproduce. USDⓈ-M futures (general info, "SIGNED Endpoint Examples
/// for POST /fapi/v1/order - HMAC Keys"): apiKey dbefbc80…cc83, secretKey 2b5eb11e…b4d9. Spot (request
/// security, HMAC example): secretKey NhqPtmdS…Tj0j. totalParams is the query string followed by the body.
/// </summary>
[TestFixture]
public sealed class BinanceSignerTests
{
    private const string FuturesSecret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
    private const string FuturesParameters = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";
    private const string FuturesSignature = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9";
    private const string SpotSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    [Test]
    public void The_futures_example_signed_as_a_query_string_reproduces() =>
        Assert.That(new BinanceSigner(FuturesSecret).Sign(FuturesParameters, string.Empty), Is.EqualTo(FuturesSignature));

    [Test]
    public void The_futures_example_signed_as_a_request_body_reproduces() =>
        Assert.That(new BinanceSigner(FuturesSecret).Sign(string.Empty, FuturesParameters), Is.EqualTo(FuturesSignature));

    [Test]
    public void A_leading_question_mark_is_not_part_of_the_signed_query_string() =>
        Assert.That(new BinanceSigner(FuturesSecret).Sign("?" + FuturesParameters, null), Is.EqualTo(FuturesSignature));

    [Test]
    public void The_futures_mixed_example_reproduces_from_its_documented_query_string_and_body()
    {
        // Verbatim from the futures documentation, including its stray space after "timestamp=" in the body:
        // the published signature f9d0ae5e… is of exactly these bytes (with no '&' between "GTC" and "quantity").
        var signature = new BinanceSigner(FuturesSecret).Sign(
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC",
            "quantity=1&price=9000&recvWindow=5000&timestamp= 1591702613943");

        Assert.That(signature, Is.EqualTo("f9d0ae5e813ef6ccf15c2b5a434047a0181cb5a342b903b367ca6d27a66e36f2"));
    }

    [Test]
    public void The_spot_examples_reproduce_as_a_query_string_and_mixed_with_a_body()
    {
        var signer = new BinanceSigner(SpotSecret);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(
                signer.Sign("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559", string.Empty),
                Is.EqualTo("c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"));
            Assert.That(
                signer.Sign("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC", "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"),
                Is.EqualTo("0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"));
        }
    }

    [Test]
    public void A_signature_is_verified_in_either_letter_case_and_a_changed_parameter_fails()
    {
        var signer = new BinanceSigner(FuturesSecret);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(signer.Verify(FuturesParameters, string.Empty, FuturesSignature.ToUpperInvariant()), Is.True);
            Assert.That(signer.Verify(FuturesParameters.Replace("9000", "9001", StringComparison.Ordinal), string.Empty, FuturesSignature), Is.False);
            Assert.That(signer.Verify(FuturesParameters, string.Empty, null), Is.False);
        }
    }

    [Test]
    public void The_signer_never_shows_its_secret() =>
        Assert.That(new BinanceSigner(FuturesSecret).ToString(), Does.Not.Contain(FuturesSecret));
}
