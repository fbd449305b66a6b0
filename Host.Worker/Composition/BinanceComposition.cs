using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace TradingBot.Host.Worker.Composition;

/// <summary>The Binance settings (<c>Exchange:Binance:*</c>).</summary>
internal static class BinanceComposition
{
    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Exchange:Binance");
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(section["ApiKey"]))
        {
            problems.Add("Exchange:Binance:ApiKey is required when Exchange:Kind is Binance");
        }

        if (string.IsNullOrWhiteSpace(section["ApiSecret"]))
        {
            problems.Add("Exchange:Binance:ApiSecret is required when Exchange:Kind is Binance");
        }

        if (problems.Count > 0)
        {
            throw new HostConfigurationException(string.Join(Environment.NewLine, problems));
        }

        throw new HostConfigurationException("Exchange:Kind is Binance, but this build does not include the Binance adapter yet; use Exchange:Kind=Paper.");
    }
}
