using TradingBot.Domain.Amounts;
using TradingBot.Domain.Time;

namespace TradingBot.Domain.Orders;

/// <summary>
/// The exchange's id of one execution, unique across exchanges and symbols (adapters qualify ids that an
/// exchange only keeps unique per symbol). 1 to 128 printable ASCII characters without spaces.
/// </summary>
public readonly record struct ExchangeFillId
{
    /// <summary>The longest id accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>Wraps an id, refusing empty, over-long or non-printable text.</summary>
    public ExchangeFillId(string value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || value.Any(c => c is <= ' ' or > '~'))
        {
            throw new ArgumentException($"exchange fill id '{value}' must be 1 to {MaxLength} printable characters without spaces", nameof(value));
        }

        Value = value;
    }

    /// <summary>The id.</summary>
    public string Value { get; }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}

/// <summary>One execution of an order: price, quantity, fee (negative = rebate) in whatever asset it was paid.</summary>
public sealed record Fill
{
    /// <summary>Creates a fill; the quantity must be positive and the time is normalised to UTC microseconds.</summary>
    public Fill(ExchangeFillId exchangeFillId, OrderId orderId, Price price, Quantity quantity, Money fee, DateTimeOffset filledAt)
    {
        if (quantity.IsZero)
        {
            throw new ArgumentException("a fill's quantity must be greater than zero", nameof(quantity));
        }

        ExchangeFillId = exchangeFillId;
        OrderId = orderId;
        Price = price;
        Quantity = quantity;
        Fee = fee;
        FilledAt = LedgerTime.Normalize(filledAt);
    }

    /// <summary>The exchange's id of the execution.</summary>
    public ExchangeFillId ExchangeFillId { get; }

    /// <summary>The order it belongs to.</summary>
    public OrderId OrderId { get; }

    /// <summary>The execution price.</summary>
    public Price Price { get; }

    /// <summary>The executed base quantity.</summary>
    public Quantity Quantity { get; }

    /// <summary>The fee as charged: its asset may differ from the quote asset, and a negative amount is a rebate.</summary>
    public Money Fee { get; }

    /// <summary>When the exchange executed it (UTC).</summary>
    public DateTimeOffset FilledAt { get; }
}
