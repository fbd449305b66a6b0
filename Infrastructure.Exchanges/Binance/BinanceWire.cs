using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace TradingBot.Infrastructure.Exchanges.Binance;

// Binance's JSON, field by field as the documentation names them. Every price, quantity, fee, rate and
// PnL is a JSON string on the wire and stays a string here: the Domain's exact parsers turn it into 1e-8
// units (BinanceMapping), so no double or decimal ever sees it. Ids and times are JSON integers (long).
// A required field that is missing or null, or a field of the wrong JSON type, fails the whole answer.

internal sealed class ServerTimeDto
{
    public required long ServerTime { get; init; }
}

internal sealed class ErrorDto
{
    public int Code { get; init; }

    public string? Msg { get; init; }
}

internal sealed class ExchangeInfoDto
{
    public List<RateLimitDto>? RateLimits { get; init; }

    public required List<SymbolInfoDto> Symbols { get; init; }
}

internal sealed class RateLimitDto
{
    public string? RateLimitType { get; init; }

    public string? Interval { get; init; }

    public int IntervalNum { get; init; }

    public int Limit { get; init; }
}

internal sealed class SymbolInfoDto
{
    public required string Symbol { get; init; }

    public string? Status { get; init; }

    public required string BaseAsset { get; init; }

    public required string QuoteAsset { get; init; }

    public required List<FilterDto> Filters { get; init; }
}

internal sealed class FilterDto
{
    public required string FilterType { get; init; }

    public string? TickSize { get; init; }

    public string? StepSize { get; init; }

    public string? MinQty { get; init; }

    public string? Notional { get; init; }
}

internal sealed class PremiumIndexDto
{
    public required string Symbol { get; init; }

    public required string MarkPrice { get; init; }

    public required string IndexPrice { get; init; }

    public required string LastFundingRate { get; init; }

    public required long NextFundingTime { get; init; }

    public required long Time { get; init; }
}

internal sealed class FundingRateDto
{
    public required string Symbol { get; init; }

    public required string FundingRate { get; init; }

    public required long FundingTime { get; init; }

    public string? MarkPrice { get; init; }
}

internal sealed class OrderDto
{
    public required long OrderId { get; init; }

    public required string ClientOrderId { get; init; }

    public required string Symbol { get; init; }

    public required string Side { get; init; }

    public required string Type { get; init; }

    public string? TimeInForce { get; init; }

    public required string Status { get; init; }

    public required string OrigQty { get; init; }

    public required string ExecutedQty { get; init; }

    public required string Price { get; init; }

    public string? StopPrice { get; init; }

    public bool? ReduceOnly { get; init; }

    public required long UpdateTime { get; init; }
}

internal sealed class TradeDto
{
    public required long Id { get; init; }

    public required long OrderId { get; init; }

    public required string Symbol { get; init; }

    public required string Side { get; init; }

    public required string Price { get; init; }

    public required string Qty { get; init; }

    public required string Commission { get; init; }

    public required string CommissionAsset { get; init; }

    public required long Time { get; init; }
}

internal sealed class PositionDto
{
    public required string Symbol { get; init; }

    public string? PositionSide { get; init; }

    public required string PositionAmt { get; init; }

    public required string EntryPrice { get; init; }
}

internal sealed class BalanceDto
{
    public required string Asset { get; init; }

    public required string Balance { get; init; }

    public required string AvailableBalance { get; init; }
}

internal sealed class IncomeDto
{
    public string? Symbol { get; init; }

    public required string IncomeType { get; init; }

    public required string Income { get; init; }

    public required string Asset { get; init; }

    public required long Time { get; init; }

    public required long TranId { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    RespectNullableAnnotations = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ServerTimeDto))]
[JsonSerializable(typeof(ErrorDto))]
[JsonSerializable(typeof(ExchangeInfoDto))]
[JsonSerializable(typeof(PremiumIndexDto))]
[JsonSerializable(typeof(List<FundingRateDto>))]
[JsonSerializable(typeof(OrderDto))]
[JsonSerializable(typeof(List<OrderDto>))]
[JsonSerializable(typeof(List<TradeDto>))]
[JsonSerializable(typeof(List<PositionDto>))]
[JsonSerializable(typeof(List<BalanceDto>))]
[JsonSerializable(typeof(List<IncomeDto>))]
internal sealed partial class BinanceJsonContext : JsonSerializerContext;

/// <summary>An answer that cannot be read: not JSON, truncated, a field missing or of the wrong type, a number out of range.</summary>
internal sealed class BinanceWireException : Exception
{
    public BinanceWireException()
    {
    }

    public BinanceWireException(string message)
        : base(message)
    {
    }

    public BinanceWireException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Reads a body into its DTO, turning every JSON failure into a <see cref="BinanceWireException"/> that says what is wrong.</summary>
internal static class BinanceJson
{
    public static T Read<T>(string body, JsonTypeInfo<T> type)
    {
        var trimmed = body.TrimStart();
        if (trimmed.Length == 0)
        {
            throw new BinanceWireException("the answer is empty, not JSON");
        }

        if (trimmed[0] == '<')
        {
            throw new BinanceWireException($"the answer is an HTML/XML page, not JSON: '{Snippet(trimmed)}'");
        }

        try
        {
            return JsonSerializer.Deserialize(body, type)
                ?? throw new BinanceWireException("the answer is JSON null");
        }
        catch (JsonException exception)
        {
            var where = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? string.Empty : $" at field {exception.Path}";
            throw new BinanceWireException($"the answer is not the expected JSON{where}: {FirstSentence(exception.Message)}", exception);
        }
    }

    /// <summary>The start of a body, on one line, for a message.</summary>
    public static string Snippet(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return string.Empty;
        }

        var line = new string([.. body.Take(120).Select(c => char.IsControl(c) ? ' ' : c)]);
        return body.Length > 120 ? line + "…" : line;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Replace("TradingBot.Infrastructure.Exchanges.Binance.", string.Empty, StringComparison.Ordinal);
    }
}
