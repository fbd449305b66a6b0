using TradingBot.Domain.Orders;
using TradingBot.Infrastructure.Persistence.Rows;

namespace TradingBot.Infrastructure.Persistence.Repositories;

/// <summary>
/// The live order rows and the position rows this ledger's committed units last wrote, and the fill ids they recorded, so that
/// record-fill in the steady state sends one write batch and no read. A hint, never the truth: the batch still expects
/// every concurrency token, so a stale row fails it and the unit runs again from fresh reads (<see cref="LedgerUnitOfWork"/>).
/// </summary>
internal sealed class CommittedRows
{
    /// <summary>At most this many orders, positions and fill ids are remembered; past it, the oldest go first (fill ids) or all (rows).</summary>
    public const int Capacity = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, OrderRow> _orders = [];
    private readonly Dictionary<(string Exchange, string Symbol), PositionRow> _positions = [];
    private readonly HashSet<string> _fillIds = new(StringComparer.Ordinal);
    private readonly Queue<string> _fillIdsInOrder = new();

    /// <summary>
    /// The order <paramref name="orderId"/> and its position as this ledger last wrote them, unless either is
    /// unknown here or <paramref name="exchangeFillId"/> is one this ledger recorded (a repeat is answered by a read).
    /// </summary>
    public bool TryGet(Guid orderId, string exchangeFillId, out OrderRow order, out PositionRow position)
    {
        lock (_lock)
        {
            if (_orders.TryGetValue(orderId, out order!)
                && _positions.TryGetValue((order.Exchange, order.Symbol), out position!)
                && !_fillIds.Contains(exchangeFillId))
            {
                return true;
            }
        }

        order = null!;
        position = null!;
        return false;
    }

    /// <summary>Remembers what a unit of work committed. The rows are the session's own copies and are not changed afterwards.</summary>
    public void Add(IEnumerable<OrderRow> orders, IEnumerable<PositionRow> positions, IEnumerable<string> exchangeFillIds)
    {
        lock (_lock)
        {
            foreach (var order in orders)
            {
                // A filled, cancelled or rejected order takes no more fills in the steady state (a late or repeated one, or
                // the next fill of an order the exchange placed itself, is answered by a read): only live orders are kept,
                // so what a worker holds does not grow with what it traded.
                if (OrderStatusRules.Parse(order.Status).IsTerminal())
                {
                    _orders.Remove(order.Id);
                    continue;
                }

                if (_orders.Count >= Capacity && !_orders.ContainsKey(order.Id))
                {
                    _orders.Clear();
                }

                _orders[order.Id] = order;
            }

            foreach (var position in positions)
            {
                var key = (position.Exchange, position.Symbol);

                // Units commit concurrently: never step back to an older version of a position.
                if (_positions.TryGetValue(key, out var known) && known.Version > position.Version)
                {
                    continue;
                }

                if (_positions.Count >= Capacity && known is null)
                {
                    _positions.Clear();
                }

                _positions[key] = position;
            }

            foreach (var id in exchangeFillIds)
            {
                if (_fillIds.Add(id))
                {
                    _fillIdsInOrder.Enqueue(id);
                    if (_fillIdsInOrder.Count > Capacity)
                    {
                        _fillIds.Remove(_fillIdsInOrder.Dequeue());
                    }
                }
            }
        }
    }

    /// <summary>Forgets every row (a unit failed: what is remembered may be stale). Recorded fill ids stay: they were committed.</summary>
    public void ClearRows()
    {
        lock (_lock)
        {
            _orders.Clear();
            _positions.Clear();
        }
    }
}
