namespace TradingBot.Domain.Orders;

/// <summary>The ledger's id of an order; never empty.</summary>
public readonly record struct OrderId
{
    /// <summary>Wraps a non-empty GUID.</summary>
    public OrderId(Guid value)
    {
        if (value == Guid.Empty)
        {
            throw new ArgumentException("an order id cannot be the empty GUID", nameof(value));
        }

        Value = value;
    }

    /// <summary>The GUID.</summary>
    public Guid Value { get; }

    /// <summary>A new client-generated id (version 7: time-ordered, so inserts stay index-friendly).</summary>
    public static OrderId New() => new(Guid.CreateVersion7());

    /// <inheritdoc />
    public override string ToString() => Value.ToString();
}
