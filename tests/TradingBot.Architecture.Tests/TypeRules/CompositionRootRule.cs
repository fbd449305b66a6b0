namespace TradingBot.Architecture.Tests.TypeRules;

/// <summary>
/// The host's rule: only its composition root uses a ledger provider's types. The composition root is every type in the
/// namespace <c>TradingBot.Host.Worker.Composition</c> (WorkerHost, the ledger-file helpers SqliteBackupFile and PgDumpFile,
/// and the rest of Host.Worker/Composition/; the settings themselves are read by TradingBot.Hosting);
/// the verbs, the worker and Program reach a provider only through it. A provider type is one whose namespace or defining
/// assembly is TradingBot.Infrastructure.Sqlite, TradingBot.Infrastructure.Postgres, Microsoft.Data.Sqlite, Npgsql (with
/// Npgsql.EntityFrameworkCore.PostgreSQL) or Microsoft.EntityFrameworkCore.Sqlite.
/// </summary>
public static class CompositionRootRule
{
    /// <summary>The host's composition root.</summary>
    public const string HostCompositionRoot = "TradingBot.Host.Worker.Composition";

    /// <summary>The ledger providers' namespaces and assemblies.</summary>
    public static IReadOnlyList<string> Providers { get; } =
        ["TradingBot.Infrastructure.Sqlite", "TradingBot.Infrastructure.Postgres", "Microsoft.Data.Sqlite", "Npgsql", "Microsoft.EntityFrameworkCore.Sqlite"];

    /// <summary>One line per use of a provider type by a type outside <paramref name="compositionRoot"/> (a namespace).</summary>
    public static IReadOnlyList<string> Violations(IEnumerable<TypeUsage> usages, string compositionRoot) =>
        [.. usages
            .Where(u => !Namespaces.Within(NamespaceOf(u.Type), compositionRoot) && Namespaces.UsesAny(u, Providers))
            .Select(u => $"{u} outside the composition root {compositionRoot}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    // "A.B.Outer+Inner" is in A.B.
    private static string NamespaceOf(string type)
    {
        var outer = type.Split('+')[0];
        var dot = outer.LastIndexOf('.');
        return dot < 0 ? string.Empty : outer[..dot];
    }
}
