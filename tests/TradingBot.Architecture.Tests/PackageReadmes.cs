using System.Text.RegularExpressions;

namespace TradingBot.Architecture.Tests;

/// <summary>
/// Each library's package page: its own short PACKAGE.md (Directory.Build.props packs it as the package README), named
/// after the package, with no relative link (they break on a package page), and every registration call it shows is
/// a public method of the libraries.
/// </summary>
public sealed partial class PackageReadmes
{
    private static readonly string Root = DependencyRuleHolds.FindRoot();

    public static IEnumerable<string> Libraries() => DependencyRuleHolds.ProductionProjects().Where(p => p != "Host.Worker");

    [TestCaseSource(nameof(Libraries))]
    public void Each_library_has_its_own_package_readme_without_relative_links(string folder)
    {
        var path = Path.Combine(Root, folder, "PACKAGE.md");
        Assert.That(File.Exists(path), Is.True, $"{folder} has no PACKAGE.md");
        var text = File.ReadAllText(path);
        var links = MarkdownLink().Matches(text).Select(m => m.Groups["target"].Value);
        var calls = RegistrationCall().Matches(text).Select(m => m.Groups["method"].Value).Distinct().ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.StartWith($"# TradingBot.{folder}\n"), "the page is named after its package");
            Assert.That(text, Does.Contain("dotnet add package TradingBot."), "it says how to add it");
            Assert.That(links.Where(l => !l.StartsWith("https://", StringComparison.Ordinal)), Is.Empty, "relative links break on a package page");
            Assert.That(text.Split('\n'), Has.Length.LessThan(40), "a package page is short: the repository holds the rest");
            foreach (var call in calls)
            {
                Assert.That(PublicRegistrations(), Does.Contain(call), $"{folder}/PACKAGE.md shows services.{call}(...), which no library declares");
            }
        }
    }

    [TestCaseSource(nameof(Libraries))]
    public void Each_library_declares_its_public_surface_and_the_calls_its_page_shows_are_in_it(string folder)
    {
        var shipped = Path.Combine(Root, folder, "PublicAPI.Shipped.txt");
        var unshipped = Path.Combine(Root, folder, "PublicAPI.Unshipped.txt");
        Assert.That(File.Exists(shipped) && File.Exists(unshipped), Is.True, $"{folder} has no public API baseline (PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt)");
        var surface = File.ReadAllText(shipped) + File.ReadAllText(unshipped);
        var calls = RegistrationCall().Matches(File.ReadAllText(Path.Combine(Root, folder, "PACKAGE.md"))).Select(m => m.Groups["method"].Value).Distinct();

        Assert.That(calls.Where(call => !surface.Contains($".{call}(this Microsoft.Extensions.DependencyInjection.IServiceCollection! services", StringComparison.Ordinal)), Is.Empty, "a call the package page shows is part of its reviewed public surface");
    }

    [Test]
    public void The_build_checks_the_public_surface_of_every_packable_library()
    {
        var targets = File.ReadAllText(Path.Combine(Root, "Directory.Build.targets"));

        Assert.That(targets, Does.Contain("Microsoft.CodeAnalysis.PublicApiAnalyzers").And.Contain("PublicAPI.Unshipped.txt").And.Contain("'$(IsPackable)' != 'false'"));
    }

    [Test]
    public void The_build_packs_each_librarys_package_readme()
    {
        var props = File.ReadAllText(Path.Combine(Root, "Directory.Build.props"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(props, Does.Contain("<PackageReadmeFile>PACKAGE.md</PackageReadmeFile>"));
            Assert.That(props, Does.Contain("<None Include=\"$(MSBuildProjectDirectory)/PACKAGE.md\" Pack=\"true\" PackagePath=\"\\\" />"));
        }
    }

    // "public static IServiceCollection AddX(this IServiceCollection" in any library's source.
    private static HashSet<string> PublicRegistrations() =>
    [
        .. Libraries()
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(file => RegistrationDeclaration().Matches(File.ReadAllText(file)).Select(m => m.Groups["method"].Value)),
    ];

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"services\.(?<method>Add\w+)\(")]
    private static partial Regex RegistrationCall();

    [GeneratedRegex(@"public static IServiceCollection (?<method>Add\w+)\(this IServiceCollection")]
    private static partial Regex RegistrationDeclaration();
}
