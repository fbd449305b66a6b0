using TradingBot.Application.Ports;
using TradingBot.Application.Telemetry;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Positions;

namespace TradingBot.Application.Funding;

/// <summary>Appends a funding rate observation (rate, mark and index price) to the time series.</summary>
public sealed class RecordFundingSnapshot(IUnitOfWork ledger)
{
    /// <summary>Runs the use case.</summary>
    public async Task<FundingSnapshot> ExecuteAsync(FundingSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await ExecuteAsync([snapshot], cancellationToken).ConfigureAwait(false);
        return snapshot;
    }

    /// <summary>Appends several observations in one transaction: all of them or none.</summary>
    public Task ExecuteAsync(IReadOnlyList<FundingSnapshot> snapshots, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        return ledger.ExecuteAsync(
            async (session, ct) =>
            {
                foreach (var snapshot in snapshots)
                {
                    await session.FundingSnapshots.AppendAsync(snapshot, ct).ConfigureAwait(false);
                }

                return snapshots.Count;
            },
            cancellationToken);
    }
}

/// <summary>
/// Records a funding payment once (deduplicated by the exchange's id) and adds it to the position's
/// funding, with a FUNDING audit event, in one transaction. Returns false when it was already recorded.
/// </summary>
public sealed class RecordFundingPayment(IUnitOfWork ledger, IClock clock, TradingBotMetrics? metrics = null)
{
    private readonly TradingBotMetrics _metrics = metrics ?? TradingBotMetrics.Shared;

    /// <summary>Runs the use case.</summary>
    public async Task<bool> ExecuteAsync(FundingPayment payment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var recorded = await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                if (!await session.FundingPayments.TryAddAsync(payment, ct).ConfigureAwait(false))
                {
                    return false;
                }

                var position = await session.Positions.GetAsync(payment.Exchange, payment.Symbol, ct).ConfigureAwait(false)
                    ?? Position.Flat(payment.Exchange, payment.Symbol);
                var counted = position.ApplyFunding(payment.Amount, payment.PaidAt);
                await session.Positions.SaveAsync(position, ct).ConfigureAwait(false);
                if (counted is { } funding)
                {
                    await session.PnlDays.AddAsync(
                        payment.Exchange, new DailyPnl(DailyPnl.DayOf(payment.PaidAt), payment.Symbol, Amount.Zero, Amount.Zero, funding), ct).ConfigureAwait(false);
                }

                await session.Audit.AppendAsync(
                    AuditEvent.Create(
                        AuditEventType.Funding,
                        clock.UtcNow,
                        ("exchange_payment_id", payment.ExchangePaymentId),
                        ("symbol", payment.Symbol.Value),
                        ("amount", payment.Amount.ToString()),
                        ("paid_at", payment.PaidAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture))),
                    ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        if (recorded)
        {
            _metrics.FundingPaymentRecorded(payment.Symbol);
        }

        return recorded;
    }
}
