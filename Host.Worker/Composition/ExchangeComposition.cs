using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Infrastructure.Exchanges.Paper;

namespace TradingBot.Host.Worker.Composition;

/// <summary>The exchange adapters the host can trade on.</summary>
internal enum ExchangeKind
{
    Paper,
    Binance,
}

/// <summary>The <c>Exchange</c> section: which adapter, and its settings.</summary>
internal static class ExchangeComposition
{
    /// <summary>Registers the configured adapter; a wrong value throws <see cref="HostConfigurationException"/> naming it.</summary>
    public static ExchangeKind AddConfiguredExchange(IServiceCollection services, IConfiguration configuration, LedgerSettings ledger)
    {
        var kind = ConfigurationChoice.Parse(configuration["Exchange:Kind"], "Exchange:Kind", ExchangeKind.Paper);

        var symbols = configuration.GetSection("Strategy:Symbols").Get<string[]>() ?? [];
        if (kind == ExchangeKind.Paper)
        {
            var paper = configuration.GetSection("Exchange:Paper");
            var options = new PaperExchangeOptions
            {
                StatePath = paper["StatePath"] ?? ledger.DefaultFileBeside("paper-exchange.json"),
                Seed = ReadInt(paper, "Seed", 42),
                Speed = ReadInt(paper, "Speed", 600),
                StartingBalance = paper["StartingBalance"] ?? "10000",
                Faults = new PaperFaults
                {
                    AnswerLostPercent = ReadInt(paper, "Faults:AnswerLostPercent", 0),
                    UnknownPercent = ReadInt(paper, "Faults:UnknownPercent", 0),
                    RateLimitPercent = ReadInt(paper, "Faults:RateLimitPercent", 0),
                    DuplicateTradesPercent = ReadInt(paper, "Faults:DuplicateTradesPercent", 0),
                    OutOfOrderTradesPercent = ReadInt(paper, "Faults:OutOfOrderTradesPercent", 0),
                },
            };
            options.Symbols.Clear();
            foreach (var symbol in symbols.Length == 0 ? ["BTCUSDT"] : symbols)
            {
                options.Symbols.Add(symbol);
            }

            try
            {
                // Checked here so a wrong value stops the host before anything runs; the exchange opens at first use.
                services.AddPaperExchange(options);
            }
            catch (ArgumentException exception)
            {
                throw new HostConfigurationException(exception.Message, exception);
            }

            return kind;
        }

        BinanceComposition.Add(services, configuration);
        return kind;
    }

    private static int ReadInt(IConfiguration section, string key, int fallback)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new HostConfigurationException($"Exchange:Paper:{key} is '{text}'; expected a whole number.");
    }
}
