namespace TradingBot.Hosting;

/// <summary>A setting that names one of an enum's values.</summary>
internal static class ConfigurationChoice
{
    /// <summary>
    /// The value <paramref name="text"/> names (case-insensitive), or <paramref name="fallback"/> when the setting is
    /// empty. Only names count: <see cref="Enum.TryParse{TEnum}(string?, bool, out TEnum)"/> would also take a number
    /// ("1") or a list ("Sqlite,Postgres") and quietly pick some value. Anything else throws
    /// <see cref="TradingBotConfigurationException"/> naming <paramref name="setting"/> and the accepted names.
    /// </summary>
    public static TEnum Parse<TEnum>(string? text, string setting, TEnum fallback)
        where TEnum : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        var name = Enum.GetNames<TEnum>().FirstOrDefault(n => n.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));
        return name is not null
            ? Enum.Parse<TEnum>(name)
            : throw new TradingBotConfigurationException($"{setting} is '{text}'; expected {string.Join(" or ", Enum.GetNames<TEnum>())}.");
    }
}
