using TradingBot.Architecture.Tests.TypeRules;

namespace TradingBot.Architecture.Tests;

/// <summary>The type-level rules over the seven production assemblies, read from what the compiler emitted.</summary>
public class TypeRulesHold
{
    [TestCase("Domain")]
    [TestCase("Application")]
    public void An_inner_layer_uses_no_network_ado_net_or_ef_core_type(string folder) =>
        Assert.That(ForbiddenDependencyRule.Violations(ProductionAssemblies.Usages(folder), ForbiddenDependencyRule.InnerLayers), Is.Empty);

    [Test]
    public void The_host_uses_provider_types_only_in_its_composition_root() =>
        Assert.That(CompositionRootRule.Violations(ProductionAssemblies.Usages("Host.Worker"), CompositionRootRule.HostCompositionRoot), Is.Empty);

    // Guards the rule above against a renamed or emptied composition root, which would make it pass vacuously.
    [Test]
    public void The_host_composition_root_is_where_the_providers_are_used() =>
        Assert.That(
            ProductionAssemblies.Usages("Host.Worker").Where(u => u.Type.StartsWith(CompositionRootRule.HostCompositionRoot + ".", StringComparison.Ordinal) && Namespaces.UsesAny(u, CompositionRootRule.Providers)),
            Is.Not.Empty);

    [TestCaseSource(typeof(ProductionAssemblies), nameof(ProductionAssemblies.Folders))]
    public void No_production_assembly_uses_floating_point(string folder) =>
        Assert.That(
            FloatingPointRule.Violations(ProductionAssemblies.Usages(folder), FloatingPointRule.Allowed),
            Is.Empty,
            "money is exact 1e-8 integers and time is ticks: no float, double or decimal (an unavoidable library API goes in FloatingPointRule.Allowed, with why)");

    [Test]
    public void Every_floating_point_allowance_is_still_needed()
    {
        var uses = ProductionAssemblies.Folders.SelectMany(f => FloatingPointRule.FloatingPointUses(ProductionAssemblies.Usages(f))).ToList();

        Assert.That(FloatingPointRule.Allowed.Where(a => !uses.Any(a.Covers)).Select(a => $"{a.Type}.{a.Member}"), Is.Empty, "an allowance that nothing needs any more goes");
    }
}
