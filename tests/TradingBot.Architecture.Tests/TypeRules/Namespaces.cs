namespace TradingBot.Architecture.Tests.TypeRules;

/// <summary>Namespace and assembly names compared by whole dotted segments: "System.Net" holds System.Net.Http, not System.Networking.</summary>
public static class Namespaces
{
    /// <summary>Whether <paramref name="name"/> is <paramref name="prefix"/> or lies under it.</summary>
    public static bool Within(string name, string prefix)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(prefix);
        return name.Length == prefix.Length
            ? string.Equals(name, prefix, StringComparison.Ordinal)
            : name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length && name[prefix.Length] == '.';
    }

    /// <summary>Whether the used type lies in one of <paramref name="prefixes"/> by its namespace or by the assembly that defines it
    /// (EF Core's <c>AddDbContext</c> lives in Microsoft.Extensions.DependencyInjection but in the EF Core assembly).</summary>
    public static bool UsesAny(TypeUsage usage, IEnumerable<string> prefixes)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return prefixes.Any(p => Within(usage.Namespace, p) || Within(usage.Assembly, p));
    }
}
