using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Copy;

/// <summary>Copies there and back: every column of every table comes home equal in the canonical form.</summary>
[TestFixture]
public sealed class LedgerRoundTrips
{
    [Test]
    public async Task Sqlite_to_Postgres_to_Sqlite_changes_nothing()
    {
        await using var first = TestServers.NewSqliteLedger();
        await using var middle = await TestServers.NewPostgresLedgerAsync();
        await using var last = TestServers.NewSqliteLedger();
        await AssertRoundTripAsync(first, middle, last);
    }

    [Test]
    public async Task Postgres_to_Sqlite_to_Postgres_changes_nothing()
    {
        await using var first = await TestServers.NewPostgresLedgerAsync();
        await using var middle = TestServers.NewSqliteLedger();
        await using var last = await TestServers.NewPostgresLedgerAsync();
        await AssertRoundTripAsync(first, middle, last);
    }

    private static async Task AssertRoundTripAsync(LedgerTestDatabase first, LedgerTestDatabase middle, LedgerTestDatabase last)
    {
        await LedgerSample.FillAsync(first, 50);
        var there = await LedgerCopier.CopyAsync(first.Endpoint("first"), middle.Endpoint("middle"), new LedgerCopyOptions(), CancellationToken.None);
        var back = await LedgerCopier.CopyAsync(middle.Endpoint("middle"), last.Endpoint("last"), new LedgerCopyOptions(), CancellationToken.None);

        var start = await LedgerSample.CanonicalRowsAsync(first);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(there.Verified && back.Verified, Is.True, string.Join("; ", there.Differences.Concat(back.Differences)));
            Assert.That(await LedgerSample.CanonicalRowsAsync(middle), Is.EqualTo(start));
            Assert.That(await LedgerSample.CanonicalRowsAsync(last), Is.EqualTo(start));
            Assert.That(back.Tables.Select(t => t.Target), Is.EqualTo(there.Tables.Select(t => t.Source)), "the digests at both ends are equal");
        }
    }
}
