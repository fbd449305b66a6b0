using TradingBot.Domain.Instruments;

namespace TradingBot.Domain.Orders;

/// <summary>
/// The ledger's form of an exchange's order id: "&lt;exchange&gt;:&lt;symbol&gt;:&lt;id&gt;". Binance order ids are unique
/// per symbol only, so the id alone could name two orders; qualified, it names one across exchanges and symbols.
/// </summary>
public static class ExchangeOrderIds
{
    /// <summary>The longest id an exchange may report.</summary>
    public const int MaxRawLength = 64;

    /// <summary>Qualifies <paramref name="exchangeOrderId"/> as the exchange reports it; refuses empty, over-long or non-printable text.</summary>
    public static string Qualify(ExchangeName exchange, Symbol symbol, string exchangeOrderId)
    {
        if (string.IsNullOrEmpty(exchangeOrderId) || exchangeOrderId.Length > MaxRawLength || exchangeOrderId.Any(c => c is <= ' ' or > '~'))
        {
            throw new ArgumentException($"exchange order id '{exchangeOrderId}' must be 1 to {MaxRawLength} printable characters without spaces", nameof(exchangeOrderId));
        }

        return $"{exchange.Value}:{symbol.Value}:{exchangeOrderId}";
    }
}
