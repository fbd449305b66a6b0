using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Audit;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Application.Reconciliation;

/// <summary>The differences between the exchange and the ledger, and the snapshot that was written.</summary>
/// <param name="Differences">One line per difference; empty when they agree.</param>
/// <param name="Snapshot">The state snapshot written.</param>
public sealed record ReconciliationReport(IReadOnlyList<string> Differences, StateSnapshot Snapshot)
{
    /// <summary>True when the exchange and the ledger agree.</summary>
    public bool InAgreement => Differences.Count == 0;
}

/// <summary>
/// Compares the exchange's positions and open orders with the ledger's and writes, in one transaction, a
/// RECONCILIATION audit event listing every difference and a state snapshot of balances, positions and
/// open orders.
/// </summary>
public sealed class Reconcile(IUnitOfWork ledger, IExchange exchange, IClock clock)
{
    /// <summary>Runs the use case.</summary>
    public async Task<ReconciliationReport> ExecuteAsync(CancellationToken cancellationToken)
    {
        var balances = await exchange.GetBalancesAsync(cancellationToken).ConfigureAwait(false);
        var exchangePositions = await exchange.GetPositionsAsync(cancellationToken).ConfigureAwait(false);
        var exchangeOrders = await exchange.GetOpenOrdersAsync(null, cancellationToken).ConfigureAwait(false);
        // Outside the unit of work: a re-run after a lost commit answer writes the same snapshot and event, not second ones.
        var snapshotId = Guid.CreateVersion7();
        var auditId = Guid.CreateVersion7();

        return await ledger.ExecuteAsync(
            async (session, ct) =>
            {
                var ledgerPositions = (await session.Positions.GetAllAsync(ct).ConfigureAwait(false))
                    .Where(p => p.Exchange == exchange.Name)
                    .ToDictionary(p => p.Symbol);
                var ledgerOpen = (await session.Orders.GetOpenOrdersAsync(ct).ConfigureAwait(false))
                    .Where(o => o.Exchange == exchange.Name)
                    .ToList();

                var differences = new List<string>();
                var exchangeBySymbol = exchangePositions.ToDictionary(p => p.Symbol);
                foreach (var symbol in exchangeBySymbol.Keys.Union(ledgerPositions.Keys).OrderBy(s => s.Value, StringComparer.Ordinal))
                {
                    var atExchange = exchangeBySymbol.TryGetValue(symbol, out var e) ? e.NetQuantity : Amount.Zero;
                    var inLedger = ledgerPositions.TryGetValue(symbol, out var l) ? l.NetQuantity : Amount.Zero;
                    if (atExchange != inLedger)
                    {
                        differences.Add($"position {symbol}: exchange {atExchange}, ledger {inLedger}");
                    }
                }

                var exchangeIds = exchangeOrders.Select(o => o.ClientOrderId).ToHashSet(StringComparer.Ordinal);
                foreach (var order in exchangeOrders.Where(o => ledgerOpen.All(l => l.IdempotencyKey.Value != o.ClientOrderId)))
                {
                    differences.Add($"open order {order.ClientOrderId} ({order.Symbol}) is open at the exchange but not in the ledger");
                }

                foreach (var order in ledgerOpen.Where(o => !exchangeIds.Contains(o.IdempotencyKey.Value)))
                {
                    differences.Add($"order {order.IdempotencyKey} ({order.Symbol}) is {order.Status.ToCode()} in the ledger but not open at the exchange");
                }

                var now = clock.UtcNow;
                var snapshot = new StateSnapshot(
                    snapshotId,
                    exchange.Name,
                    now,
                    balances,
                    exchangePositions,
                    [.. exchangeOrders.Select(o => new OpenOrderView(o.Symbol, o.ClientOrderId, o.ExchangeOrderId, o.Side, o.Type, o.Quantity, o.LimitPrice, o.FilledQuantity, o.Status))]);
                await session.StateSnapshots.AddAsync(snapshot, ct).ConfigureAwait(false);

                var fields = new List<(string, string)>
                {
                    ("exchange", exchange.Name.Value),
                    ("state_snapshot_id", snapshot.Id.ToString()),
                    ("differences", differences.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                };
                fields.AddRange(differences.Select((d, i) => ($"difference_{i + 1}", d)));
                await session.Audit.AppendAsync(AuditEvent.Create(auditId, AuditEventType.Reconciliation, now, [.. fields]), ct).ConfigureAwait(false);
                return new ReconciliationReport(differences, snapshot);
            },
            cancellationToken).ConfigureAwait(false);
    }
}
