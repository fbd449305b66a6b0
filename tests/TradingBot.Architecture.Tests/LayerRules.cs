using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace TradingBot.Architecture.Tests;

/// <summary>A project's direct references, as its .csproj declares them.</summary>
public sealed record ProjectReferences(string Project, IReadOnlyList<string> Packages, IReadOnlyList<string> Projects)
{
    public static ProjectReferences Load(string csprojPath)
    {
        var xml = XDocument.Load(csprojPath);
        var packages = xml.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include") ?? string.Empty).ToList();
        var projects = xml.Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(((string?)e.Attribute("Include") ?? string.Empty).Replace('\\', '/')))
            .ToList();
        return new ProjectReferences(Path.GetFileNameWithoutExtension(csprojPath), packages, projects);
    }
}

/// <summary>
/// The dependency rule of the house: Domain references nothing; Application references Domain and at most
/// Microsoft.Extensions.*.Abstractions; an infrastructure project never references another provider's
/// project (Sqlite, Postgres and Exchanges know only Persistence, Application and Domain); Hosting, which registers the
/// providers from configuration, knows them all but never the host.
/// </summary>
public static partial class LayerRules
{
    private static readonly string[] Providers =
        ["TradingBot.Infrastructure.Sqlite", "TradingBot.Infrastructure.Postgres", "TradingBot.Infrastructure.Exchanges"];

    public static IReadOnlyList<string> Violations(ProjectReferences project)
    {
        ArgumentNullException.ThrowIfNull(project);
        var violations = new List<string>();
        switch (project.Project)
        {
            case "TradingBot.Domain":
                violations.AddRange(project.Packages.Select(p => $"Domain references package {p}; it must reference nothing"));
                violations.AddRange(project.Projects.Select(p => $"Domain references project {p}; it must reference nothing"));
                break;
            case "TradingBot.Application":
                violations.AddRange(project.Packages
                    .Where(p => !AbstractionsPackage().IsMatch(p))
                    .Select(p => $"Application references package {p}; only Microsoft.Extensions.*.Abstractions are allowed"));
                violations.AddRange(project.Projects
                    .Where(p => p != "TradingBot.Domain")
                    .Select(p => $"Application references project {p}; only TradingBot.Domain is allowed"));
                break;
            case var name when name.StartsWith("TradingBot.Infrastructure.", StringComparison.Ordinal):
                violations.AddRange(project.Projects
                    .Where(p => p != name && (Providers.Contains(p) || p.StartsWith("TradingBot.Host", StringComparison.Ordinal)))
                    .Select(p => $"{name} references {p}; an infrastructure project must not know another provider or the host"));
                break;
            case "TradingBot.Hosting":
                violations.AddRange(project.Projects
                    .Where(p => p.StartsWith("TradingBot.Host.", StringComparison.Ordinal))
                    .Select(p => $"Hosting references {p}; the packages must not know the host"));
                break;
            default:
                break;
        }

        return violations;
    }

    [GeneratedRegex(@"^Microsoft\.Extensions\.[A-Za-z.]*Abstractions$")]
    private static partial Regex AbstractionsPackage();
}
