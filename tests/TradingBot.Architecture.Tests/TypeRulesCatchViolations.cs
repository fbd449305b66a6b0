using TradingBot.Architecture.Tests.TypeRules;
using TradingBot.Architecture.Tests.Violations;
using TradingBot.Architecture.Tests.Violations.Host.CompositionHelpers;
using TradingBot.Architecture.Tests.Violations.Host.Verbs;

namespace TradingBot.Architecture.Tests;

/// <summary>
/// The type-level rules run over the violating types in Violations/ (compiled into this assembly): each is reported
/// with the type, the member and what it used, however deep the use hides (a lambda, an async state machine, a called
/// member's signature, a catch clause, a bare IL conversion).
/// </summary>
public class TypeRulesCatchViolations
{
    private const string Fixtures = "TradingBot.Architecture.Tests.Violations.";
    private const string FixtureHost = Fixtures + "Host.";
    private const string FixtureCompositionRoot = FixtureHost + "Composition";

    [TestCase(typeof(DecimalFee), "Fee uses System.Decimal (property)")]
    [TestCase(typeof(DecimalFee), ".ctor uses System.Decimal (parameter fee)")]
    [TestCase(typeof(DoubleInLambda), "Halver uses System.Double (IL ldc.r8 0.5)")]
    [TestCase(typeof(TotalSecondsInAsync), "WaitedSecondsAsync uses System.Double (call to System.TimeSpan.get_TotalSeconds (return))")]
    [TestCase(typeof(ConversionOnly), "Ratio uses System.Double (IL conv.r8)")]
    public void A_floating_point_use_is_reported_with_its_member_and_how(Type fixture, string violation) =>
        Assert.That(FloatingPointRule.Violations(UsagesOf(fixture), []), Has.Member($"{fixture.FullName}.{violation}"));

    [Test]
    public void An_allowance_covers_its_own_member_only()
    {
        var allowed = new FloatingPointAllowance(typeof(DoubleInLambda).FullName!, nameof(DoubleInLambda.Halver), "a test");

        var violations = FloatingPointRule.Violations(UsagesOf(typeof(DoubleInLambda)).Concat(UsagesOf(typeof(ConversionOnly))), [allowed]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(violations, Has.None.Contains(nameof(DoubleInLambda)));
            Assert.That(violations, Has.Some.StartsWith($"{typeof(ConversionOnly).FullName}.{nameof(ConversionOnly.Ratio)} uses System.Double"));
        }
    }

    [TestCase(typeof(HttpClientInLambda), "Fetcher uses System.Net.Http.HttpClient (")]
    [TestCase(typeof(HttpFailureCaught), "Tries uses System.Net.Http.HttpRequestException (catch)")]
    [TestCase(typeof(EfCoreInAsync), "CountAsync uses Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions (call to Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync)")]
    [TestCase(typeof(DbConnectionList), "_open uses System.Data.Common.DbConnection (field, generic argument of System.Collections.Generic.List`1)")]
    public void An_inner_layer_type_using_a_network_ado_net_or_ef_core_type_is_reported(Type fixture, string violation) =>
        Assert.That(
            ForbiddenDependencyRule.Violations(UsagesOf(fixture), ForbiddenDependencyRule.InnerLayers),
            Has.Some.StartsWith($"{fixture.FullName}.{violation}"));

    [Test]
    public void A_type_is_forbidden_by_its_defining_assembly_as_well_as_its_namespace()
    {
        // EF Core's AddDbContext lives in Microsoft.Extensions.DependencyInjection, inside the EF Core assembly.
        var addDbContext = new TypeUsage("TradingBot.Application.Setup", "Add", "call", "Microsoft.Extensions.DependencyInjection.EntityFrameworkServiceCollectionExtensions", "Microsoft.Extensions.DependencyInjection", "Microsoft.EntityFrameworkCore");
        var networking = new TypeUsage("TradingBot.Application.Setup", "Add", "call", "System.Networking.Thing", "System.Networking", "System.Networking");

        Assert.That(ForbiddenDependencyRule.Violations([addDbContext, networking], ForbiddenDependencyRule.InnerLayers), Is.EqualTo(new[] { addDbContext.ToString() }));
    }

    [Test]
    public void A_provider_type_outside_the_composition_root_is_reported_and_inside_it_is_not()
    {
        var violations = CompositionRootRule.Violations(TypeUsages.In(typeof(ProviderInVerb).Assembly.Location).Where(u => u.Type.StartsWith(FixtureHost, StringComparison.Ordinal)), FixtureCompositionRoot);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(violations, Has.Some.StartsWith($"{typeof(ProviderInVerb).FullName}.{nameof(ProviderInVerb.Release)} uses Microsoft.Data.Sqlite.SqliteConnection (call to Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools)"));
            Assert.That(violations, Has.Some.StartsWith($"{typeof(ProviderInVerb).FullName}.{nameof(ProviderInVerb.DumpsAsync)} uses TradingBot.Infrastructure.Postgres.PostgresToolException (catch)"));
            Assert.That(violations, Has.Some.StartsWith($"{typeof(LookalikeNamespace).FullName}.{nameof(LookalikeNamespace.ConnectionString)} uses Npgsql.NpgsqlConnectionStringBuilder"));
            Assert.That(violations, Has.All.EndsWith($"outside the composition root {FixtureCompositionRoot}"));
            Assert.That(violations, Has.None.Contains(FixtureCompositionRoot + "."), "the composition root may use provider types");
        }
    }

    [Test]
    public void The_fixtures_break_nothing_they_are_not_meant_to()
    {
        var floatFree = new[] { typeof(HttpClientInLambda), typeof(HttpFailureCaught), typeof(EfCoreInAsync), typeof(DbConnectionList) };
        var dependencyFree = new[] { typeof(DecimalFee), typeof(DoubleInLambda), typeof(TotalSecondsInAsync), typeof(ConversionOnly) };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(FloatingPointRule.Violations(floatFree.SelectMany(UsagesOf), []), Is.Empty);
            Assert.That(ForbiddenDependencyRule.Violations(dependencyFree.SelectMany(UsagesOf), ForbiddenDependencyRule.InnerLayers), Is.Empty);
        }
    }

    // The uses of one fixture type, its nested and generated types included.
    private static IEnumerable<TypeUsage> UsagesOf(Type fixture) =>
        TypeUsages.In(fixture.Assembly.Location).Where(u => u.Type == fixture.FullName || u.Type.StartsWith(fixture.FullName + "+", StringComparison.Ordinal));
}
