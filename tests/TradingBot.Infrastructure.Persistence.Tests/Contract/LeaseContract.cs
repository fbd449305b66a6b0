using TradingBot.Application.Ports;
using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Contract;

/// <summary>What <see cref="ILedgerLease"/> promises on every provider: one holder per ledger, free again once its holder lets go or is gone.</summary>
public abstract class LeaseContract
{
    private readonly List<LedgerTestDatabase> _databases = [];
    private readonly List<ILedgerLease> _leases = [];

    protected LedgerTestDatabase Db { get; private set; } = null!;

    protected abstract Task<LedgerTestDatabase> CreateDatabaseAsync();

    /// <summary>A worker's lease on the ledger at <paramref name="connectionString"/>.</summary>
    protected abstract ILedgerLease NewLease(string connectionString);

    /// <summary>Ends <paramref name="holder"/>'s hold as its process dying or its connection being cut would, without a release.</summary>
    protected abstract Task EndHolderAsync(ILedgerLease holder);

    [SetUp]
    public async Task CreateLedgerAsync() => Db = await NewDatabaseAsync();

    [TearDown]
    public async Task DropLedgerAsync()
    {
        foreach (var lease in _leases)
        {
            await lease.DisposeAsync();
        }

        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        // NUnit runs every test of a fixture on one instance.
        _leases.Clear();
        _databases.Clear();
    }

    private async Task<LedgerTestDatabase> NewDatabaseAsync()
    {
        var database = await CreateDatabaseAsync();
        _databases.Add(database);
        return database;
    }

    private ILedgerLease Lease(LedgerTestDatabase? ledger = null)
    {
        var lease = NewLease((ledger ?? Db).ConnectionString);
        _leases.Add(lease);
        return lease;
    }

    [Test]
    public async Task A_free_lease_is_taken_and_held_until_released()
    {
        var lease = Lease();
        var heldBefore = await lease.IsHeldAsync(CancellationToken.None);

        var taken = await lease.TryAcquireAsync(CancellationToken.None);
        var heldAfter = await lease.IsHeldAsync(CancellationToken.None);
        await lease.ReleaseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(heldBefore, Is.False, "not taken yet");
            Assert.That(taken, Is.True);
            Assert.That(heldAfter, Is.True);
            Assert.That(await lease.IsHeldAsync(CancellationToken.None), Is.False, "released");
        }
    }

    [Test]
    public async Task A_held_lease_is_refused_to_every_other_worker()
    {
        var holder = Lease();
        var others = new[] { Lease(), Lease() };
        Assert.That(await holder.TryAcquireAsync(CancellationToken.None), Is.True);

        using (Assert.EnterMultipleScope())
        {
            foreach (var other in others)
            {
                Assert.That(await other.TryAcquireAsync(CancellationToken.None), Is.False, "two holders");
                Assert.That(await other.IsHeldAsync(CancellationToken.None), Is.False);
            }

            Assert.That(await holder.IsHeldAsync(CancellationToken.None), Is.True, "the refusals took nothing from the holder");
        }
    }

    [Test]
    public async Task Taking_a_lease_one_already_holds_succeeds_and_keeps_it()
    {
        var holder = Lease();
        var standby = Lease();
        Assert.That(await holder.TryAcquireAsync(CancellationToken.None), Is.True);

        var again = await holder.TryAcquireAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again, Is.True);
            Assert.That(await holder.IsHeldAsync(CancellationToken.None), Is.True);
            Assert.That(await standby.TryAcquireAsync(CancellationToken.None), Is.False, "taking it again let go of it for a moment");
        }
    }

    [Test]
    public async Task A_released_lease_is_free_for_the_next_worker_as_soon_as_the_release_returns()
    {
        var first = Lease();
        var second = Lease();

        for (var round = 0; round < 20; round++)
        {
            var (holder, standby) = round % 2 == 0 ? (first, second) : (second, first);
            Assert.That(await holder.TryAcquireAsync(CancellationToken.None), Is.True, $"round {round}: the lease was free");
            Assert.That(await standby.TryAcquireAsync(CancellationToken.None), Is.False, $"round {round}: two holders");
            Assert.That(await holder.IsHeldAsync(CancellationToken.None), Is.True, $"round {round}");

            await holder.ReleaseAsync();

            Assert.That(await holder.IsHeldAsync(CancellationToken.None), Is.False, $"round {round}: released");
        }
    }

    [Test]
    public async Task A_disposed_lease_is_free_for_the_next_worker()
    {
        var holder = Lease();
        var standby = Lease();
        Assert.That(await holder.TryAcquireAsync(CancellationToken.None), Is.True);

        await holder.DisposeAsync();

        Assert.That(await standby.TryAcquireAsync(CancellationToken.None), Is.True);
    }

    [Test]
    public async Task Releasing_a_lease_one_does_not_hold_leaves_the_holders_lease_alone()
    {
        var holder = Lease();
        var standby = Lease();
        Assert.That(await holder.TryAcquireAsync(CancellationToken.None), Is.True);
        Assert.That(await standby.TryAcquireAsync(CancellationToken.None), Is.False);

        await standby.ReleaseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await holder.IsHeldAsync(CancellationToken.None), Is.True);
            Assert.That(await Lease().TryAcquireAsync(CancellationToken.None), Is.False, "the lease is still taken");
        }
    }

    [Test]
    public async Task A_lease_whose_holder_is_gone_is_lost_to_it_and_free_for_the_next_worker()
    {
        var holder = Lease();
        var standby = Lease();
        Assert.That(await holder.TryAcquireAsync(CancellationToken.None), Is.True);

        await EndHolderAsync(holder);

        // The store frees the lock once the holder's session has ended, which may come a moment after the cut.
        var taken = await standby.TryAcquireAsync(CancellationToken.None);
        for (var attempt = 0; attempt < 50 && !taken; attempt++)
        {
            await Task.Delay(100);
            taken = await standby.TryAcquireAsync(CancellationToken.None);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await holder.IsHeldAsync(CancellationToken.None), Is.False, "the holder learns it lost the lease");
            Assert.That(taken, Is.True, "the standby takes the lease");
        }
    }

    [Test]
    public async Task The_leases_of_two_ledgers_do_not_exclude_each_other()
    {
        var other = await NewDatabaseAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Lease().TryAcquireAsync(CancellationToken.None), Is.True);
            Assert.That(await Lease(other).TryAcquireAsync(CancellationToken.None), Is.True, "one active worker per ledger, not per server or folder");
        }
    }
}
