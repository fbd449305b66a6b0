using TradingBot.Domain.Orders;

namespace TradingBot.Application.Ports;

/// <summary>Orders, keyed by id, idempotency key and exchange order id.</summary>
public interface IOrderRepository
{
    /// <summary>
    /// Inserts a PENDING order. When its idempotency key already exists (even when another writer inserts it
    /// at the same moment) nothing is inserted and the existing order is returned: the database's UNIQUE
    /// constraint decides, not a read before the write.
    /// </summary>
    Task<OrderCreation> CreateAsync(Order order, CancellationToken cancellationToken);

    /// <summary>Saves a changed order (status, exchange id, filled quantity).</summary>
    Task UpdateAsync(Order order, CancellationToken cancellationToken);

    /// <summary>The order with this id, or null. Orders are read without their fills' ids: a known fill is found with <see cref="IFillRepository.FindTargetAsync"/>.</summary>
    Task<Order?> FindByIdAsync(OrderId id, CancellationToken cancellationToken);

    /// <summary>The order holding this key, or null.</summary>
    Task<Order?> FindByIdempotencyKeyAsync(IdempotencyKey key, CancellationToken cancellationToken);

    /// <summary>The order with this exchange order id (qualified: <see cref="ExchangeOrderIds.Qualify"/>), or null.</summary>
    Task<Order?> FindByExchangeOrderIdAsync(string exchangeOrderId, CancellationToken cancellationToken);

    /// <summary>OPEN and PARTIALLY_FILLED orders, oldest first.</summary>
    Task<IReadOnlyList<Order>> GetOpenOrdersAsync(CancellationToken cancellationToken);

    /// <summary>PENDING orders, oldest first.</summary>
    Task<IReadOnlyList<Order>> GetPendingOrdersAsync(CancellationToken cancellationToken);

    /// <summary>Every order, oldest first (for reports).</summary>
    Task<IReadOnlyList<Order>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every order with its fills, one order at a time in id order (creation order: ids are time-ordered), reading each
    /// order and each fill once; memory holds a bounded batch of orders whatever the ledger's size (for verification).
    /// </summary>
    IAsyncEnumerable<OrderWithFills> StreamWithFillsAsync(CancellationToken cancellationToken);
}
