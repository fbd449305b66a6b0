namespace TradingBot.Architecture.Tests.TypeRules;

/// <summary>
/// The floating-point guard: no production type uses <see cref="float"/>, <see cref="double"/>, <see cref="decimal"/>,
/// <see cref="Half"/> or NFloat, in a field, property, parameter, return, local, generic argument, attribute, called
/// member's signature or IL instruction (a constant, a conversion), except the members allowed below. Money is exact
/// 1e-8 integers; decimal is exact but bounded and invites mixing, so it goes too.
/// </summary>
public static class FloatingPointRule
{
    /// <summary>The floating-point types.</summary>
    public static IReadOnlyList<string> FloatingPointTypes { get; } =
        ["System.Single", "System.Double", "System.Decimal", "System.Half", "System.Runtime.InteropServices.NFloat"];

    /// <summary>The members that may use floating point, each with why it is not money. Keep it short.</summary>
    public static IReadOnlyList<FloatingPointAllowance> Allowed { get; } =
    [
        new(
            "TradingBot.Infrastructure.Exchanges.Binance.BinanceResilience",
            "Configure",
            "Polly's circuit breaker takes FailureRatio (0.5: it opens when half the sampled calls fail) as a double; a threshold on call counts, never money."),
        new(
            "TradingBot.Host.Worker.Verbs.LedgerTransferVerbs",
            "CopyWithProgressBarsAsync",
            "Spectre.Console's progress bars count in double (AddTask's maxValue, Value, MaxValue, Speed): rows copied on a terminal, never money."),
    ];

    /// <summary>One line per floating-point use that no allowance in <paramref name="allowed"/> covers.</summary>
    public static IReadOnlyList<string> Violations(IEnumerable<TypeUsage> usages, IReadOnlyList<FloatingPointAllowance> allowed) =>
        [.. FloatingPointUses(usages)
            .Where(u => !allowed.Any(a => a.Covers(u)))
            .Select(u => u.ToString())
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    /// <summary>Every use of a floating-point type among <paramref name="usages"/>.</summary>
    public static IEnumerable<TypeUsage> FloatingPointUses(IEnumerable<TypeUsage> usages) =>
        usages.Where(u => FloatingPointTypes.Contains(u.Used, StringComparer.Ordinal));
}
