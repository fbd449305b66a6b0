using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>Carries a context's <see cref="LedgerProvider"/> in its options, so each context finds its own (a copy opens two).</summary>
internal sealed class LedgerProviderExtension(LedgerProvider provider) : IDbContextOptionsExtension
{
    public LedgerProvider Provider { get; } = provider;

    public DbContextOptionsExtensionInfo Info => field ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(LedgerProviderExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => string.Empty;

        public override int GetServiceProviderHashCode() => ((LedgerProviderExtension)Extension).Provider.GetType().GetHashCode();

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) =>
            other is ExtensionInfo info && ((LedgerProviderExtension)info.Extension).Provider.GetType() == ((LedgerProviderExtension)Extension).Provider.GetType();

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) =>
            debugInfo["Ledger:Provider"] = ((LedgerProviderExtension)Extension).Provider.GetType().Name;
    }
}
