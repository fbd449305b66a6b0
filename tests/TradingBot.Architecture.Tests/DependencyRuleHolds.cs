using System.Reflection;

namespace TradingBot.Architecture.Tests;

public class DependencyRuleHolds
{
    private static readonly string Root = FindRoot();

    public static IEnumerable<string> ProductionProjects() =>
        ["Domain", "Application", "Infrastructure.Persistence", "Infrastructure.Sqlite", "Infrastructure.Postgres", "Infrastructure.Exchanges", "Hosting", "Host.Worker"];

    [TestCaseSource(nameof(ProductionProjects))]
    public void Project_references_obey_the_layer_rules(string folder)
    {
        var project = ProjectReferences.Load(Path.Combine(Root, folder, $"TradingBot.{folder}.csproj"));

        Assert.That(LayerRules.Violations(project), Is.Empty);
    }

    [Test]
    public void Domain_assembly_references_only_the_runtime()
    {
        var references = typeof(TradingBot.Domain.Amounts.FixedPoint).Assembly.GetReferencedAssemblies().Select(a => a.Name!);

        Assert.That(references, Has.All.Matches<string>(n => n.StartsWith("System", StringComparison.Ordinal) || n is "netstandard" or "mscorlib"));
    }

    [Test]
    public void Application_assembly_references_only_domain_runtime_and_abstractions()
    {
        var references = typeof(TradingBot.Application.Ports.IUnitOfWork).Assembly.GetReferencedAssemblies().Select(a => a.Name!);

        Assert.That(
            references,
            Has.All.Matches<string>(n => n.StartsWith("System", StringComparison.Ordinal) || n == "TradingBot.Domain" ||
                (n.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) && n.EndsWith(".Abstractions", StringComparison.Ordinal))));
    }

    internal static string FindRoot()
    {
        var directory = new DirectoryInfo(Assembly.GetExecutingAssembly().Location).Parent;
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TradingBot.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("TradingBot.sln not found above the test assembly");
    }
}
