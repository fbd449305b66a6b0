using TradingBot.Application.Orders;
using TradingBot.Domain.Orders;

namespace TradingBot.Benchmarks;

/// <summary>The EF path: the real <see cref="RecordFill"/> use case through the real LedgerUnitOfWork.</summary>
internal sealed class EfFillWriter(RecordFill recordFill, OrderId order, int writer, string run = "") : IFillWriter
{
    private long _sequence;

    public async Task RecordNextAsync()
    {
        var fill = Workload.NewFill(order, writer, ++_sequence, run);
        var result = await recordFill.ExecuteAsync(fill, CancellationToken.None);
        if (result.Status != RecordFillStatus.Recorded)
        {
            throw new InvalidOperationException($"fill {fill.ExchangeFillId} was not recorded: {result.Status}");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
