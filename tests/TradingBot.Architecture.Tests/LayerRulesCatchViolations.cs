namespace TradingBot.Architecture.Tests;

/// <summary>The rules themselves: each forbidden reference is reported, so the suite can fail.</summary>
public class LayerRulesCatchViolations
{
    [TestCase("Microsoft.EntityFrameworkCore")]
    [TestCase("Microsoft.Extensions.Logging.Abstractions")]
    public void Domain_with_any_package_is_a_violation(string package)
    {
        var domain = new ProjectReferences("TradingBot.Domain", [package], []);

        Assert.That(LayerRules.Violations(domain), Has.Exactly(1).Contains(package));
    }

    [Test]
    public void Domain_with_a_project_reference_is_a_violation()
    {
        var domain = new ProjectReferences("TradingBot.Domain", [], ["TradingBot.Application"]);

        Assert.That(LayerRules.Violations(domain), Has.Exactly(1).Contains("TradingBot.Application"));
    }

    [TestCase("Microsoft.EntityFrameworkCore")]
    [TestCase("Npgsql")]
    [TestCase("Polly")]
    [TestCase("Microsoft.Extensions.Hosting")]
    public void Application_with_an_infrastructure_package_is_a_violation(string package)
    {
        var application = new ProjectReferences("TradingBot.Application", [package], ["TradingBot.Domain"]);

        Assert.That(LayerRules.Violations(application), Has.Exactly(1).Contains(package));
    }

    [TestCase("Microsoft.Extensions.DependencyInjection.Abstractions")]
    [TestCase("Microsoft.Extensions.Logging.Abstractions")]
    public void Application_with_an_abstractions_package_is_allowed(string package)
    {
        var application = new ProjectReferences("TradingBot.Application", [package], ["TradingBot.Domain"]);

        Assert.That(LayerRules.Violations(application), Is.Empty);
    }

    [Test]
    public void Application_referencing_persistence_is_a_violation()
    {
        var application = new ProjectReferences("TradingBot.Application", [], ["TradingBot.Domain", "TradingBot.Infrastructure.Persistence"]);

        Assert.That(LayerRules.Violations(application), Has.Exactly(1).Contains("TradingBot.Infrastructure.Persistence"));
    }

    [TestCase("TradingBot.Infrastructure.Sqlite", "TradingBot.Infrastructure.Postgres")]
    [TestCase("TradingBot.Infrastructure.Postgres", "TradingBot.Infrastructure.Sqlite")]
    [TestCase("TradingBot.Infrastructure.Persistence", "TradingBot.Infrastructure.Sqlite")]
    [TestCase("TradingBot.Infrastructure.Exchanges", "TradingBot.Infrastructure.Postgres")]
    [TestCase("TradingBot.Infrastructure.Sqlite", "TradingBot.Host.Worker")]
    public void Infrastructure_referencing_another_provider_is_a_violation(string project, string reference)
    {
        var infrastructure = new ProjectReferences(project, [], ["TradingBot.Infrastructure.Persistence", reference]);

        Assert.That(LayerRules.Violations(infrastructure), Has.Exactly(1).Contains(reference));
    }
}
