namespace TradingBot.Architecture.Tests.TypeRules;

/// <summary>
/// The inner layers' type-level rule: no type of Domain or Application uses a network, ADO.NET or EF Core type, anywhere
/// (signatures, bodies, lambdas, async methods, attributes), by namespace or by defining assembly. The project-reference
/// rules cannot see this: System.Net.Http and System.Data.Common come with the runtime, not with a package.
/// </summary>
public static class ForbiddenDependencyRule
{
    /// <summary>What Domain and Application must never use.</summary>
    public static IReadOnlyList<string> InnerLayers { get; } = ["System.Net", "System.Data", "Microsoft.EntityFrameworkCore"];

    /// <summary>One line per (type, member, used type, how) that uses one of <paramref name="forbidden"/>.</summary>
    public static IReadOnlyList<string> Violations(IEnumerable<TypeUsage> usages, IReadOnlyList<string> forbidden) =>
        [.. usages.Where(u => Namespaces.UsesAny(u, forbidden)).Select(u => u.ToString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
