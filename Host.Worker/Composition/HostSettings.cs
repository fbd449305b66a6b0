using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace TradingBot.Host.Worker.Composition;

/// <summary>
/// The settings this host owns (the <c>Ledger</c>, <c>Exchange</c>, <c>Strategy</c>, <c>Worker</c>, <c>Retention</c>, <c>Alerts</c> and <c>Telemetry</c> sections), checked
/// as text before anything binds them: a key the host does not know is refused, naming the closest one it does (a
/// misspelt <c>Strategy:OrderQty</c> would otherwise be ignored and the default traded); a time span must be written as
/// one (a bare "2" would bind as two days) and lie within its bounds. Sections the host does not own are left alone, so
/// a host of your own can add sections of its own.
/// </summary>
internal static class HostSettings
{
    /// <summary>The sections the host owns.</summary>
    public static readonly string[] Sections = ["Ledger", "Exchange", "Strategy", "Worker", "Retention", "Alerts", "Telemetry"];

    private static readonly string[] Known =
    [
        "Ledger:Provider", "Ledger:MigrateOnStart", "Ledger:Pooler", "Ledger:Partitioning",
        "Exchange:Kind", "Exchange:MaxSendDelay", "Exchange:VisibilityMargin",
        "Exchange:Paper:StatePath", "Exchange:Paper:Seed", "Exchange:Paper:Speed", "Exchange:Paper:StartingBalance", "Exchange:Paper:MaxTradesPerMarketOrder",
        "Exchange:Paper:Faults:AnswerLostPercent", "Exchange:Paper:Faults:UnknownPercent", "Exchange:Paper:Faults:RateLimitPercent",
        "Exchange:Paper:Faults:DuplicateTradesPercent", "Exchange:Paper:Faults:OutOfOrderTradesPercent", "Exchange:Paper:Faults:LateVisibilitySeconds",
        "Exchange:Paper:Faults:ExchangeClosePercent", "Exchange:Paper:Faults:ExpirePercent", "Exchange:Paper:Faults:ForeignOpenOrders",
        "Exchange:Paper:Faults:SlowReadMilliseconds", "Exchange:Paper:Faults:PositionsWithoutTrades",
        "Exchange:Binance:BaseUrl", "Exchange:Binance:ApiKey", "Exchange:Binance:ApiSecret", "Exchange:Binance:RecvWindowMs",
        "Strategy:Symbols", "Strategy:EntryFundingRateBps", "Strategy:ExitFundingRateBps", "Strategy:OrderQuantity",
        "Worker:PollInterval", "Worker:ReconcileInterval", "Worker:MaxBackoff", "Worker:FundingSnapshotInterval", "Worker:StateSnapshotInterval",
        "Worker:HealthUrl", "Worker:HealthTimeout",
        "Alerts:WebhookUrl", "Alerts:Format", "Alerts:TelegramChatId", "Alerts:PausedAfter", "Alerts:Interval",
        "Telemetry:OtlpEndpoint", "Telemetry:OtlpHeaders",
        "Retention:FundingSnapshots", "Retention:StateSnapshots", "Retention:AuditLog",
    ];

    // Each time span, with the least and most it may be: a timer cannot wait beyond about 49 days, and a loop that polls
    // once an hour or less often is not trading.
    private static readonly (string Key, TimeSpan Least, TimeSpan Most, string Example)[] Spans =
    [
        ("Worker:PollInterval", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), "00:00:02"),
        ("Worker:ReconcileInterval", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), "00:00:30"),
        ("Worker:MaxBackoff", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "00:00:30"),
        ("Worker:FundingSnapshotInterval", TimeSpan.Zero, TimeSpan.FromHours(8), "00:01:00"),
        ("Worker:StateSnapshotInterval", TimeSpan.Zero, TimeSpan.FromDays(1), "00:15:00"),
        ("Worker:HealthTimeout", TimeSpan.FromSeconds(5), TimeSpan.FromDays(1), "00:02:00"),
        ("Alerts:PausedAfter", TimeSpan.Zero, TimeSpan.FromDays(1), "00:05:00"),
        ("Alerts:Interval", TimeSpan.Zero, TimeSpan.FromDays(7), "01:00:00"),
        ("Exchange:MaxSendDelay", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), "00:00:10"),
        ("Exchange:VisibilityMargin", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "00:00:30"),
        ("Retention:FundingSnapshots", TimeSpan.Zero, TimeSpan.FromDays(36_500), "7.00:00:00"),
        ("Retention:StateSnapshots", TimeSpan.Zero, TimeSpan.FromDays(36_500), "7.00:00:00"),
        ("Retention:AuditLog", TimeSpan.Zero, TimeSpan.FromDays(36_500), "90.00:00:00"),
    ];

    /// <summary>One message per problem, naming the setting (empty when every owned setting is known and well formed).</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        foreach (var (key, value) in Sections.SelectMany(s => configuration.GetSection(s).AsEnumerable()).Where(kv => kv.Value is not null).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (Recognised(key) is null)
            {
                problems.Add($"{key} is not a setting of this worker; did you mean {Closest(key)}?");
            }
        }

        foreach (var (key, least, most, example) in Spans)
        {
            var text = configuration[key];
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (!text.Contains(':', StringComparison.Ordinal) || !TimeSpan.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var span))
            {
                problems.Add($"{key} is '{text}'; write a time span as hh:mm:ss such as {example} (a bare number would be read as days)");
            }
            else if (span < least || span > most)
            {
                problems.Add($"{key} is {span:c}; it must be from {least:c} to {most:c}");
            }
        }

        var symbols = configuration.GetSection("Strategy:Symbols").GetChildren().Select(c => c.Value?.Trim()).Where(v => !string.IsNullOrEmpty(v)).ToList();
        foreach (var duplicate in symbols.GroupBy(s => s, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add($"Strategy:Symbols lists {duplicate.Key} {duplicate.Count()} times; list each symbol once");
        }

        return problems;
    }

    // The known setting a configuration key is (array entries: "Strategy:Symbols:0"), or null.
    private static string? Recognised(string key)
    {
        var parts = key.Split(':');
        var path = parts.Length == 3 && parts[0].Equals("Strategy", StringComparison.OrdinalIgnoreCase) && parts[1].Equals("Symbols", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? "Strategy:Symbols"
            : key;
        return Known.FirstOrDefault(k => k.Equals(path, StringComparison.OrdinalIgnoreCase));
    }

    private static string Closest(string key)
    {
        var section = key.Split(':')[0];
        var candidates = Known.Where(k => k.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase)).ToList();
        return candidates.OrderBy(k => Distance(k.ToUpperInvariant(), key.ToUpperInvariant())).First();
    }

    // Levenshtein distance: how many single-character edits turn one key into the other.
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
