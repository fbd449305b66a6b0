using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;

namespace TradingBot.Application.Ports;

/// <summary>A perpetual's current funding rate and prices.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Rate">The current (last or predicted) funding rate.</param>
/// <param name="MarkPrice">The mark price.</param>
/// <param name="IndexPrice">The index price.</param>
/// <param name="NextFundingTime">When funding is next paid.</param>
/// <param name="Time">The exchange's time of the quote.</param>
public sealed record FundingQuote(Symbol Symbol, FundingRate Rate, Price MarkPrice, Price IndexPrice, DateTimeOffset NextFundingTime, DateTimeOffset Time);
