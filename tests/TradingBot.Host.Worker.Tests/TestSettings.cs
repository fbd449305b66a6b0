using System.Globalization;
using TradingBot.TestBinance;

namespace TradingBot.Host.Worker.Tests;

/// <summary>What several process-level tests share: the seed of their randomness and a worker's settings on the fake Binance.</summary>
internal static class TestSettings
{
    /// <summary>The seed of a test's randomness: TRADINGBOT_TEST_SEED replays a run; otherwise a fresh one, printed.</summary>
    public static int Seed()
    {
        var text = Environment.GetEnvironmentVariable("TRADINGBOT_TEST_SEED");
        var seed = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next(1, int.MaxValue);
        TestContext.Out.WriteLine($"seed {seed} (replay with TRADINGBOT_TEST_SEED={seed})");
        return seed;
    }

    /// <summary>A worker on the fake Binance at <paramref name="baseUrl"/> that opens one short per symbol and never closes it.</summary>
    public static Dictionary<string, string> OneShortPerSymbolOnBinance(string baseUrl) => new()
    {
        ["Exchange__Kind"] = "Binance",
        ["Exchange__Binance__BaseUrl"] = baseUrl,
        ["Exchange__Binance__ApiKey"] = FakeBinanceServer.ApiKey,
        ["Exchange__Binance__ApiSecret"] = FakeBinanceServer.ApiSecret,
        ["Worker__PollInterval"] = "00:00:00.500",
        ["Worker__ReconcileInterval"] = "00:00:02",
        // Any funding rate opens a short when flat, and none closes it: one order per symbol.
        ["Strategy__EntryFundingRateBps"] = "-100",
        ["Strategy__ExitFundingRateBps"] = "-101",
    };
}
