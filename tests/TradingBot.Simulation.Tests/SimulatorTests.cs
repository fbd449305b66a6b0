using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Instruments;

namespace TradingBot.Simulation.Tests;

/// <summary>
/// The simulator on one ledger provider: the CI budget of seeds keeps every invariant, a seed replays to the same trace,
/// and each deliberately broken rule — substituted through the worker's own dependency injection, never a flag in the
/// product — is caught within the budget, so the simulator cannot silently lose its teeth.
/// </summary>
[TestFixture(SimulatedLedger.Sqlite, 500)]
[TestFixture(SimulatedLedger.Postgres, 100)]
[NonParallelizable]
public sealed class SimulatorTests(SimulatedLedger kind, int budget)
{
    private SimulationLedgers _ledgers = null!;

    [OneTimeSetUp]
    public async Task CreateLedgersAsync() => _ledgers = await SimulationLedgers.CreateAsync(kind);

    [OneTimeTearDown]
    public async Task DisposeLedgersAsync() => await _ledgers.DisposeAsync();

    [Test]
    public async Task The_CI_budget_of_seeds_keeps_every_invariant()
    {
        var (failed, ran) = await SimulationRuns.RunAsync(_ledgers, first: 1, count: budget);

        Assert.That(ran, Is.EqualTo(budget));
        Assert.That(failed, Is.Empty, () => SimulationRuns.Describe(failed));
    }

    // Seed 10 found that Binance trades paged by time stall on a page whose trades share one millisecond (pages of three):
    // the symbol's fills were never read and it stayed halted.
    [TestCase(10)]
    public async Task A_seed_that_once_found_a_defect_keeps_every_invariant(int seed)
    {
        var result = await Simulation.RunAsync(new SimulationSettings(seed) { Cycles = SimulationRuns.CiCycles }, _ledgers);

        Assert.That(result.Violations, Is.Empty, result.Summary);
    }

    // Seed 7 trades through the Binance adapter over HTTP, seed 18 through the paper port.
    [TestCase(7)]
    [TestCase(18)]
    public async Task A_seed_run_twice_gives_the_same_trace_step_for_step(int seed)
    {
        var once = await Simulation.RunAsync(new SimulationSettings(seed) { Cycles = SimulationRuns.CiCycles }, _ledgers);
        var again = await Simulation.RunAsync(new SimulationSettings(seed) { Cycles = SimulationRuns.CiCycles }, _ledgers);

        var differs = once.Trace.Zip(again.Trace).Select((pair, index) => (pair, index)).FirstOrDefault(p => p.pair.First != p.pair.Second);
        Assert.Multiple(() =>
        {
            Assert.That(once.Trace, Has.Count.GreaterThan(100), "a run this short exercises nothing");
            Assert.That(once.Crashes + once.LeaseMoves + once.OrdersSent, Is.GreaterThan(0), once.Summary);
            Assert.That(again.Trace, Has.Count.EqualTo(once.Trace.Count), $"first difference at line {differs.index}: '{differs.pair.First}' then '{differs.pair.Second}'");
            Assert.That(again.TraceDigest, Is.EqualTo(once.TraceDigest), $"first difference at line {differs.index}: '{differs.pair.First}' then '{differs.pair.Second}'");
            Assert.That(again.Violations, Is.EqualTo(once.Violations));
        });
    }

    [Test]
    public async Task A_worker_that_does_not_confirm_its_lease_before_a_send_is_caught()
    {
        var (failed, _) = await SimulationRuns.RunAsync(_ledgers, first: 1, count: budget, services => services.Decorate<ILedgerLease>((lease, _) => new UnconfirmedLease(lease)), stopAfterFailures: 1);

        Assert.That(failed, Is.Not.Empty, "no seed of the budget caught a worker sending after it lost its lease");
        Assert.That(failed[0].Violations, Has.Some.Contains("without holding the ledger lease"), () => failed[0].Summary);
    }

    [Test]
    public async Task A_worker_that_takes_not_found_for_never_placed_is_caught()
    {
        // Binance's -2013 right after a lost answer only means "not visible yet": a worker configured with no visibility
        // margin judges an order never placed while the exchange has it, and may trade its intent again.
        var (failed, _) = await SimulationRuns.RunAsync(
            _ledgers,
            first: 1,
            count: budget,
            services => services.Replace(ServiceDescriptor.Singleton(new OrderTiming(TimeSpan.FromSeconds(10), TimeSpan.FromTicks(1)))),
            stopAfterFailures: 1);

        Assert.That(failed, Is.Not.Empty, "no seed of the budget caught an order judged never placed while the exchange had it");
        Assert.That(failed[0].Violations, Has.Some.Contains("is judged never placed, but the exchange has it"), () => failed[0].Summary);
    }

    [Test]
    public async Task A_worker_that_ignores_trades_it_did_not_place_is_caught()
    {
        var (failed, _) = await SimulationRuns.RunAsync(_ledgers, first: 1, count: budget, services => services.Decorate<IExchange>((exchange, _) => new OwnTradesOnly(exchange)), stopAfterFailures: 1);

        Assert.That(failed, Is.Not.Empty, "no seed of the budget caught a liquidation left out of the ledger");
        Assert.That(failed[0].Violations, Has.Some.Contains("is not in the ledger"), () => failed[0].Summary);
    }

    // The broken rule: the lease is taken for held without asking the lock.
    private sealed class UnconfirmedLease(ILedgerLease inner) : ILedgerLease
    {
        public Task<bool> TryAcquireAsync(CancellationToken cancellationToken) => inner.TryAcquireAsync(cancellationToken);

        public Task<bool> IsHeldAsync(CancellationToken cancellationToken) => Task.FromResult(true);

        public Task ReleaseAsync() => inner.ReleaseAsync();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    // The broken rule: a trade of an order the ledger did not place (a liquidation, an ADL) is not the worker's business.
    private sealed class OwnTradesOnly(IExchange inner) : IExchange
    {
        public ExchangeName Name => inner.Name;

        public TimeSpan RequestValidity => inner.RequestValidity;

        public Task<DateTimeOffset> ExchangeTimeAtAsync(DateTimeOffset hostTime, CancellationToken cancellationToken) => inner.ExchangeTimeAtAsync(hostTime, cancellationToken);

        public Task<InstrumentRules> GetInstrumentAsync(Symbol symbol, CancellationToken cancellationToken) => inner.GetInstrumentAsync(symbol, cancellationToken);

        public Task<FundingQuote> GetFundingQuoteAsync(Symbol symbol, CancellationToken cancellationToken) => inner.GetFundingQuoteAsync(symbol, cancellationToken);

        public Task<PlaceOrderResult> PlaceOrderAsync(OrderRequest request, CancellationToken cancellationToken) => inner.PlaceOrderAsync(request, cancellationToken);

        public Task<OrderLookupResult> GetOrderAsync(Symbol symbol, Domain.Orders.IdempotencyKey clientOrderId, CancellationToken cancellationToken) => inner.GetOrderAsync(symbol, clientOrderId, cancellationToken);

        public Task<CancelOrderResult> CancelOrderAsync(Symbol symbol, Domain.Orders.IdempotencyKey clientOrderId, CancellationToken cancellationToken) => inner.CancelOrderAsync(symbol, clientOrderId, cancellationToken);

        public Task<IReadOnlyList<ExchangeOrderState>> GetOpenOrdersAsync(Symbol? symbol, CancellationToken cancellationToken) => inner.GetOpenOrdersAsync(symbol, cancellationToken);

        public async Task<IReadOnlyList<ExchangeTrade>> GetTradesAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken) =>
            [.. (await inner.GetTradesAsync(symbol, since, cancellationToken)).Where(t => t.ClientOrderId?.StartsWith("tb-", StringComparison.Ordinal) == true)];

        public Task<IReadOnlyList<Domain.Reconciliation.PositionView>> GetPositionsAsync(CancellationToken cancellationToken) => inner.GetPositionsAsync(cancellationToken);

        public Task<IReadOnlyList<Domain.Reconciliation.BalanceView>> GetBalancesAsync(CancellationToken cancellationToken) => inner.GetBalancesAsync(cancellationToken);

        public Task<IReadOnlyList<Domain.Funding.FundingPayment>> GetFundingPaymentsAsync(DateTimeOffset since, CancellationToken cancellationToken) => inner.GetFundingPaymentsAsync(since, cancellationToken);
    }
}
