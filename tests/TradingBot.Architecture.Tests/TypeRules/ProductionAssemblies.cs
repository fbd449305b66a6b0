namespace TradingBot.Architecture.Tests.TypeRules;

/// <summary>The eight production assemblies, as built beside the tests (each is a project reference, so always current).</summary>
public static class ProductionAssemblies
{
    /// <summary>The production projects' folders; each builds TradingBot.&lt;folder&gt;.dll.</summary>
    public static IReadOnlyList<string> Folders { get; } =
        ["Domain", "Application", "Infrastructure.Persistence", "Infrastructure.Sqlite", "Infrastructure.Postgres", "Infrastructure.Exchanges", "Hosting", "Host.Worker"];

    /// <summary>The path of the folder's assembly in the test's output.</summary>
    public static string Path(string folder)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, $"TradingBot.{folder}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: the architecture tests reference every production project", path);
    }

    /// <summary>Every type use in the folder's assembly.</summary>
    public static IReadOnlyList<TypeUsage> Usages(string folder) => TypeUsages.In(Path(folder));
}
