using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Application.Orders;
using TradingBot.Infrastructure.Exchanges.Binance;
using TradingBot.Infrastructure.Exchanges.Paper;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Hosting;

/// <summary>The exchange adapters the host can trade on.</summary>
internal enum ExchangeKind
{
    Paper,
    Binance,
}

/// <summary>The <c>Exchange</c> section: which adapter, and its settings.</summary>
internal static class ExchangeComposition
{
    /// <summary>Registers the configured adapter; a wrong value throws <see cref="TradingBotConfigurationException"/> naming it.</summary>
    public static ExchangeKind AddConfiguredExchange(IServiceCollection services, IConfiguration configuration, LedgerSettings? ledger, string contentRoot)
    {
        var kind = ConfigurationChoice.Parse(configuration["Exchange:Kind"], "Exchange:Kind", ExchangeKind.Paper);

        var symbols = configuration.GetSection("Strategy:Symbols").Get<string[]>() ?? [];
        if (kind == ExchangeKind.Paper)
        {
            var paper = configuration.GetSection("Exchange:Paper");
            var options = new PaperExchangeOptions
            {
                StatePath = paper["StatePath"] is { Length: > 0 } statePath ? Path.Combine(contentRoot, statePath) : ledger?.DefaultFileBeside("paper-exchange.db", contentRoot) ?? Path.Combine(contentRoot, "data", "paper-exchange.db"),
                Seed = ReadInt(paper, "Seed", 42),
                Speed = ReadInt(paper, "Speed", 600),
                StartingBalance = paper["StartingBalance"] ?? "10000",
                MaxTradesPerMarketOrder = ReadInt(paper, "MaxTradesPerMarketOrder", 3),
                Faults = new PaperFaults
                {
                    AnswerLostPercent = ReadInt(paper, "Faults:AnswerLostPercent", 0),
                    UnknownPercent = ReadInt(paper, "Faults:UnknownPercent", 0),
                    RateLimitPercent = ReadInt(paper, "Faults:RateLimitPercent", 0),
                    DuplicateTradesPercent = ReadInt(paper, "Faults:DuplicateTradesPercent", 0),
                    OutOfOrderTradesPercent = ReadInt(paper, "Faults:OutOfOrderTradesPercent", 0),
                    LateVisibilitySeconds = ReadInt(paper, "Faults:LateVisibilitySeconds", 0),
                    ExchangeClosePercent = ReadInt(paper, "Faults:ExchangeClosePercent", 0),
                    ExpirePercent = ReadInt(paper, "Faults:ExpirePercent", 0),
                    ForeignOpenOrders = ReadBool(paper, "Faults:ForeignOpenOrders"),
                    SlowReadMilliseconds = ReadInt(paper, "Faults:SlowReadMilliseconds", 0),
                    PositionsWithoutTrades = paper["Faults:PositionsWithoutTrades"] ?? string.Empty,
                },
            };
            if (ledger?.SqliteFile is { } ledgerFile
                && string.Equals(SqliteLedgerPath.Canonical(options.StatePath, contentRoot), SqliteLedgerPath.Canonical(ledgerFile, contentRoot), StringComparison.Ordinal))
            {
                throw new TradingBotConfigurationException(
                    $"Exchange:Paper:StatePath names the ledger's own file ('{options.StatePath}'); the paper exchange keeps its state in a file of its own");
            }

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
                throw new TradingBotConfigurationException(exception.Message, exception);
            }

            return kind;
        }

        BinanceComposition.Add(services, configuration);
        return kind;
    }

    /// <summary>
    /// <c>Exchange:MaxSendDelay</c> and <c>Exchange:VisibilityMargin</c> (time spans such as 00:00:10), read and checked:
    /// the deadlines every worker of the ledger judges PENDING orders by.
    /// </summary>
    public static OrderTiming Timing(IConfiguration configuration)
    {
        var timing = new OrderTiming(
            ReadSpan(configuration, "Exchange:MaxSendDelay", OrderTiming.Default.MaxSendDelay),
            ReadSpan(configuration, "Exchange:VisibilityMargin", OrderTiming.Default.VisibilityMargin));
        var problems = timing.Problems();
        return problems.Count == 0 ? timing : throw new TradingBotConfigurationException(string.Join(Environment.NewLine, problems));
    }

    /// <summary>
    /// How long after it was sent the configured exchange may still execute a request (Binance: Exchange:Binance:RecvWindowMs;
    /// the paper exchange: zero), read without building the exchange: <c>verify</c> judges PENDING orders by it.
    /// </summary>
    public static TimeSpan RequestValidity(IConfiguration configuration)
    {
        if (ConfigurationChoice.Parse(configuration["Exchange:Kind"], "Exchange:Kind", ExchangeKind.Paper) == ExchangeKind.Paper)
        {
            return TimeSpan.Zero;
        }

        var text = configuration["Exchange:Binance:RecvWindowMs"];
        return TimeSpan.FromMilliseconds(string.IsNullOrWhiteSpace(text) ? new BinanceOptions().RecvWindowMs
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms is >= 1 and <= BinanceOptions.MaxRecvWindowMs ? ms
            : throw new TradingBotConfigurationException($"Exchange:Binance:RecvWindowMs is '{text}'; expected a whole number of milliseconds (1 to {BinanceOptions.MaxRecvWindowMs})."));
    }

    private static TimeSpan ReadSpan(IConfiguration configuration, string key, TimeSpan fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return TimeSpan.TryParseExact(text.Trim(), "c", CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new TradingBotConfigurationException($"{key} is '{text}'; expected a time span such as {fallback:c}.");
    }

    private static bool ReadBool(IConfiguration section, string key)
    {
        var text = section[key];
        return string.IsNullOrWhiteSpace(text) ? false
            : bool.TryParse(text, out var value) ? value
            : throw new TradingBotConfigurationException($"Exchange:Paper:{key} is '{text}'; expected true or false.");
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
            : throw new TradingBotConfigurationException($"Exchange:Paper:{key} is '{text}'; expected a whole number.");
    }
}
