using Microsoft.Extensions.Logging;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>What the Binance adapter logs. No message carries the API key or secret.</summary>
internal static partial class BinanceLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Binance server time synchronised: offset {OffsetMs} ms (round trip {RoundTripMs} ms)")]
    public static partial void ClockSynchronised(ILogger logger, long offsetMs, long roundTripMs);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Binance refused the timestamp of {Endpoint} (-1021) with offset {OffsetMs} ms; re-synchronising and sending it once more")]
    public static partial void TimestampRefused(ILogger logger, string endpoint, long offsetMs);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Client order id {ClientOrderId} already exists at Binance; returning the existing order instead of placing another")]
    public static partial void OrderAlreadyExists(ILogger logger, string clientOrderId);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Order {ClientOrderId}: outcome unknown ({Reason}); it will be resolved by its client order id")]
    public static partial void OrderOutcomeUnknown(ILogger logger, string clientOrderId, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Order {ClientOrderId} rejected: {Reason}")]
    public static partial void OrderRejected(ILogger logger, string clientOrderId, string reason);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Binance configuration problem: {Problem}")]
    public static partial void ConfigurationProblem(ILogger logger, string problem);
}
