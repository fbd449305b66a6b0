using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Infrastructure.Exchanges.Binance;

namespace TradingBot.Hosting;

/// <summary>The Binance settings (<c>Exchange:Binance:*</c>): read, checked, registered.</summary>
internal static class BinanceComposition
{
    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Exchange:Binance");
        var options = new BinanceOptions
        {
            BaseUrl = string.IsNullOrWhiteSpace(section["BaseUrl"]) ? BinanceOptions.ProductionBaseUrl : section["BaseUrl"]!,
            ApiKey = section["ApiKey"] ?? string.Empty,
            ApiSecret = section["ApiSecret"] ?? string.Empty,
        };

        var recvWindow = section["RecvWindowMs"];
        if (!string.IsNullOrWhiteSpace(recvWindow))
        {
            options.RecvWindowMs = int.TryParse(recvWindow, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var ms)
                ? ms
                : throw new TradingBotConfigurationException($"Exchange:Binance:RecvWindowMs is '{recvWindow}'; expected a whole number of milliseconds (1 to {BinanceOptions.MaxRecvWindowMs}).");
        }

        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new TradingBotConfigurationException(string.Join(Environment.NewLine, problems));
        }

        services.AddBinanceExchange(options);
    }
}
