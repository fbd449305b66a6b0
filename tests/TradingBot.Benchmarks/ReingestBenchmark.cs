using System.Diagnostics;
using TradingBot.Application.Orders;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;
using TradingBot.Infrastructure.Persistence;
using static System.FormattableString;

namespace TradingBot.Benchmarks;

/// <summary>
/// Trade ingestion reading again what the ledger has. The cursor steps back an hour, so every cycle reads the last hour's
/// trades again: after an order that walked the book in N trades, each cycle of that hour gets those N trades back. N
/// trades of one order are recorded once (as an order the ledger did not place, which needs no seeding), then read again
/// through <see cref="IngestTrades"/> (one read of which are stored) and, taking turns in the same run, through the path
/// before it: each trade's order looked up in a unit of work and recorded in another, which finds it a duplicate.
/// </summary>
internal static class ReingestBenchmark
{
    private const int WarmUp = 5;
    private const int Rounds = 21;
    private static readonly Symbol BtcUsdt = new("BTCUSDT");

    public static async Task RunAsync(LedgerProvider provider, int trades, CancellationToken cancellationToken)
    {
        await using var ledger = await provider.CreateLedgerAsync("reingest", null, cancellationToken);
        var since = DateTimeOffset.UtcNow.AddHours(-1);
        var usdt = new Asset("USDT");
        var exchange = new TradesOnly(
            [.. Enumerable.Range(1, trades).Select(i => new ExchangeTrade(
                new ExchangeFillId(Invariant($"PAPER:BTCUSDT:{i}")), "8801", null, BtcUsdt, Side.Buy, Price.Parse("64000"), Quantity.Parse("0.001"), Money.Parse("0", usdt), since.AddMilliseconds(i)))]);
        var record = ledger.NewRecordFill();
        var ingest = new IngestTrades(ledger.Ledger, exchange, record, new SystemClock(TimeProvider.System));

        var first = await ingest.ExecuteAsync(BtcUsdt, since, cancellationToken);
        Console.WriteLine(Invariant($"  {provider.Name}: {first.Recorded:N0} trades of one order recorded; each round reads all {trades:N0} again"));

        var now = new List<double>();
        var before = new List<double>();
        for (var round = 0; round < WarmUp + Rounds; round++)
        {
            // The two paths take turns at going first.
            double nowMs, beforeMs;
            int nowDuplicates, beforeDuplicates;
            if (round % 2 == 0)
            {
                (nowMs, nowDuplicates) = await TimedAsync(ReadAgainAsync);
                (beforeMs, beforeDuplicates) = await TimedAsync(BeforeAsync);
            }
            else
            {
                (beforeMs, beforeDuplicates) = await TimedAsync(BeforeAsync);
                (nowMs, nowDuplicates) = await TimedAsync(ReadAgainAsync);
            }

            if (nowDuplicates != trades || beforeDuplicates != trades)
            {
                throw new InvalidOperationException($"expected {trades} duplicates on both paths, got {nowDuplicates} and {beforeDuplicates}");
            }

            if (round >= WarmUp)
            {
                now.Add(nowMs);
                before.Add(beforeMs);
            }
        }

        async Task<int> ReadAgainAsync() => (await ingest.ExecuteAsync(BtcUsdt, since, cancellationToken)).Duplicates;
        Task<int> BeforeAsync() => PathBeforeAsync(ledger.Ledger, record, exchange, since, cancellationToken);

        var medianNow = FillScenario.Median(now);
        var medianBefore = FillScenario.Median(before);
        Console.WriteLine();
        Console.WriteLine(Invariant($"# Reading again {trades:N0} trades the ledger has: {provider.Name}, medians of {Rounds} rounds taking turns"));
        Console.WriteLine();
        Console.WriteLine("| provider | trades read again | one read of which are stored ms | each looked up and recorded (before) ms | now / before | per trade now µs | per trade before µs |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(Invariant($"| {provider.Name} | {trades:N0} | {medianNow:F2} | {medianBefore:F2} | **{medianNow / medianBefore:F3}x** | {medianNow * 1000 / trades:F1} | {medianBefore * 1000 / trades:F1} |"));
        Console.WriteLine();
    }

    // The loop IngestTrades ran before it asked which trades are stored: per trade, the order's lookup in one unit of work
    // and record-fill in another (an order the ledger did not place: the external path), each finding it recorded.
    private static async Task<int> PathBeforeAsync(IUnitOfWork ledger, RecordFill record, TradesOnly exchange, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var duplicates = 0;
        foreach (var trade in await exchange.GetTradesAsync(BtcUsdt, since, cancellationToken))
        {
            var order = await ledger.ExecuteAsync(
                (session, ct) => session.Orders.FindByExchangeOrderIdAsync(ExchangeOrderIds.Qualify(exchange.Name, trade.Symbol, trade.ExchangeOrderId), ct),
                cancellationToken);
            var result = order is { IsExternal: false }
                ? await record.ExecuteAsync(new Fill(trade.ExchangeFillId, order.Id, trade.Price, trade.Quantity, trade.Fee, trade.Time), cancellationToken)
                : await record.ExecuteExternalAsync(exchange.Name, trade, cancellationToken);
            duplicates += result.Status == RecordFillStatus.Duplicate ? 1 : 0;
        }

        return duplicates;
    }

    private static async Task<(double Ms, int Duplicates)> TimedAsync(Func<Task<int>> path)
    {
        var started = Stopwatch.GetTimestamp();
        var duplicates = await path();
        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, duplicates);
    }

    /// <summary>An exchange that only lists its trades: all this benchmark asks of it.</summary>
    private sealed class TradesOnly(IReadOnlyList<ExchangeTrade> trades) : IExchange
    {
        public ExchangeName Name { get; } = new("PAPER");

        public TimeSpan RequestValidity => TimeSpan.FromSeconds(5);

        public Task<IReadOnlyList<ExchangeTrade>> GetTradesAsync(Symbol symbol, DateTimeOffset since, CancellationToken cancellationToken) => Task.FromResult(trades);

        public Task<DateTimeOffset> ExchangeTimeAtAsync(DateTimeOffset hostTime, CancellationToken cancellationToken) => Task.FromResult(hostTime);

        public Task<InstrumentRules> GetInstrumentAsync(Symbol symbol, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<FundingQuote> GetFundingQuoteAsync(Symbol symbol, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<PlaceOrderResult> PlaceOrderAsync(OrderRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<OrderLookupResult> GetOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CancelOrderResult> CancelOrderAsync(Symbol symbol, IdempotencyKey clientOrderId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<ExchangeOrderState>> GetOpenOrdersAsync(Symbol? symbol, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<PositionView>> GetPositionsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<BalanceView>> GetBalancesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<FundingPayment>> GetFundingPaymentsAsync(DateTimeOffset since, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
