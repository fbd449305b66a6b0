using System.Globalization;
using TradingBot.Application.Ports;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Funding;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Reconciliation;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>
/// Binance's wire values in the ledger's terms, through the Domain's exact parsers only. A value that does
/// not fit (more than 8 decimals, out of range, an unknown enum) throws <see cref="BinanceWireException"/>
/// naming the field; a whole answer is mapped before any of it is returned, so nothing half-parsed leaves.
/// </summary>
internal static class BinanceMapping
{
    /// <summary>The largest millisecond time a <see cref="DateTimeOffset"/> can hold.</summary>
    private const long MaxUnixMs = 253_402_300_799_999;

    public static InstrumentRules ToRules(SymbolInfoDto dto)
    {
        var priceFilter = dto.Filters.FirstOrDefault(f => f.FilterType == "PRICE_FILTER")
            ?? throw new BinanceWireException($"symbol {dto.Symbol} has no PRICE_FILTER filter");
        var lotSize = dto.Filters.FirstOrDefault(f => f.FilterType == "LOT_SIZE")
            ?? throw new BinanceWireException($"symbol {dto.Symbol} has no LOT_SIZE filter");
        var step = Quantity("LOT_SIZE.stepSize", lotSize.StepSize);
        if (step.IsZero)
        {
            throw new BinanceWireException($"symbol {dto.Symbol}: 'LOT_SIZE.stepSize' is zero");
        }

        var minimum = Quantity("LOT_SIZE.minQty", lotSize.MinQty);
        var marketLotSize = dto.Filters.FirstOrDefault(f => f.FilterType == "MARKET_LOT_SIZE");
        var marketStep = marketLotSize is null ? step : Quantity("MARKET_LOT_SIZE.stepSize", marketLotSize.StepSize);
        if (marketStep.IsZero)
        {
            throw new BinanceWireException($"symbol {dto.Symbol}: 'MARKET_LOT_SIZE.stepSize' is zero");
        }

        var minNotional = dto.Filters.FirstOrDefault(f => f.FilterType == "MIN_NOTIONAL");
        return new InstrumentRules(
            Symbol("symbol", dto.Symbol),
            Asset("baseAsset", dto.BaseAsset),
            Asset("quoteAsset", dto.QuoteAsset),
            Price("PRICE_FILTER.tickSize", priceFilter.TickSize),
            step,
            minimum)
        {
            MarketStepSize = marketStep,
            MarketMinQuantity = marketLotSize is null ? minimum : Quantity("MARKET_LOT_SIZE.minQty", marketLotSize.MinQty),
            MinNotional = minNotional is null ? TradingBot.Domain.Amounts.Amount.Zero : Amount("MIN_NOTIONAL.notional", minNotional.Notional),
        };
    }

    public static FundingQuote ToQuote(PremiumIndexDto dto) => new(
        Symbol("symbol", dto.Symbol),
        Rate("lastFundingRate", dto.LastFundingRate),
        Price("markPrice", dto.MarkPrice),
        Price("indexPrice", dto.IndexPrice),
        Time("nextFundingTime", dto.NextFundingTime),
        Time("time", dto.Time));

    public static BinanceFundingRate ToFundingRate(FundingRateDto dto) => new(
        Symbol("symbol", dto.Symbol),
        Rate("fundingRate", dto.FundingRate),
        Time("fundingTime", dto.FundingTime),
        string.IsNullOrEmpty(dto.MarkPrice) ? null : Price("markPrice", dto.MarkPrice));

    /// <summary>
    /// An order in the ledger's terms. MARKET is MARKET; LIMIT with GTC (or GTX, GTD) is LIMIT, with IOC is IOC
    /// and with FOK is FOK. Any other type (STOP_MARKET, TAKE_PROFIT, TRAILING_STOP_MARKET, LIQUIDATION...) is read
    /// too, its own name kept in <see cref="ExchangeOrderState.NativeType"/>: the *_MARKET kinds as MARKET, the others
    /// as LIMIT at their price (or trigger price). NEW (and NEW_INSURANCE, NEW_ADL) is OPEN, PARTIALLY_FILLED and
    /// FILLED are themselves, CANCELED, EXPIRED and EXPIRED_IN_MATCH are CANCELLED and REJECTED is REJECTED; any other
    /// status is refused.
    /// </summary>
    public static ExchangeOrderState ToOrder(OrderDto dto)
    {
        var type = dto.Type switch
        {
            "MARKET" => OrderType.Market,
            "LIMIT" => dto.TimeInForce switch
            {
                "IOC" => OrderType.Ioc,
                "FOK" => OrderType.Fok,
                "GTC" or "GTX" or "GTD" or null => OrderType.Limit,
                _ => throw new BinanceWireException($"'timeInForce' is '{dto.TimeInForce}', not GTC, GTX, GTD, IOC or FOK"),
            },
            { Length: > 0 } other when other.EndsWith("MARKET", StringComparison.Ordinal) => OrderType.Market,
            { Length: > 0 } => OrderType.Limit,
            _ => throw new BinanceWireException($"'type' is empty (order {dto.OrderId.ToString(CultureInfo.InvariantCulture)})"),
        };
        var status = dto.Status switch
        {
            "NEW" or "NEW_INSURANCE" or "NEW_ADL" => OrderStatus.Open,
            "PARTIALLY_FILLED" => OrderStatus.PartiallyFilled,
            "FILLED" => OrderStatus.Filled,
            "CANCELED" or "EXPIRED" or "EXPIRED_IN_MATCH" => OrderStatus.Cancelled,
            "REJECTED" => OrderStatus.Rejected,
            _ => throw new BinanceWireException($"'status' is '{dto.Status}', not an order status the adapter knows"),
        };
        var quantity = Quantity("origQty", dto.OrigQty);
        var filled = Quantity("executedQty", dto.ExecutedQty);
        if (filled > quantity)
        {
            throw new BinanceWireException($"'executedQty' {filled} is more than 'origQty' {quantity}");
        }

        ClientOrderId(dto.ClientOrderId);

        Price? limit = null;
        if (type != OrderType.Market)
        {
            // A conditional limit kind may carry its price only as the trigger price; without either it is read as MARKET.
            var price = Amount("price", dto.Price);
            var stop = string.IsNullOrEmpty(dto.StopPrice) ? TradingBot.Domain.Amounts.Amount.Zero : Amount("stopPrice", dto.StopPrice);
            limit = price.Units > 0 ? new Price(price.Units) : stop.Units > 0 ? new Price(stop.Units) : null;
            if (limit is null && dto.Type is "LIMIT")
            {
                throw Bad("price", $"'{dto.Price}' is not a positive price for a LIMIT order");
            }

            type = limit is null ? OrderType.Market : type;
        }

        return new ExchangeOrderState(
            Id("orderId", dto.OrderId),
            dto.ClientOrderId,
            Symbol("symbol", dto.Symbol),
            Side("side", dto.Side),
            type,
            quantity,
            limit,
            filled,
            status,
            Time("updateTime", dto.UpdateTime))
        {
            NativeType = dto.Type,
            ReduceOnly = dto.ReduceOnly ?? false,
        };
    }

    /// <summary>
    /// A trade. Binance's trade id is unique per symbol only, so the fill id is "BINANCE:&lt;symbol&gt;:&lt;id&gt;";
    /// the commission is kept as charged, in its own asset (BNB included) and with its sign (negative is a rebate).
    /// </summary>
    public static ExchangeTrade ToTrade(TradeDto dto, string? clientOrderId)
    {
        var symbol = Symbol("symbol", dto.Symbol);
        var quantity = Quantity("qty", dto.Qty);
        if (quantity.IsZero)
        {
            throw new BinanceWireException($"trade {dto.Id.ToString(CultureInfo.InvariantCulture)}: 'qty' is zero");
        }

        return new ExchangeTrade(
            FillId(symbol, dto.Id),
            Id("orderId", dto.OrderId),
            clientOrderId,
            symbol,
            Side("side", dto.Side),
            Price("price", dto.Price),
            quantity,
            new Money(Asset("commissionAsset", dto.CommissionAsset), Amount("commission", dto.Commission)),
            Time("time", dto.Time));
    }

    /// <summary>The ledger's id of a Binance trade: unique across exchanges and symbols.</summary>
    public static ExchangeFillId FillId(Symbol symbol, long tradeId) =>
        new($"{BinanceExchange.BinanceName.Value}:{symbol.Value}:{Id("id", tradeId)}");

    /// <summary>One-way positions (positionSide BOTH); a hedge-mode LONG/SHORT position is refused, the ledger nets one position per symbol.</summary>
    public static PositionView? ToPosition(PositionDto dto)
    {
        var quantity = Amount("positionAmt", dto.PositionAmt);
        if (quantity.IsZero)
        {
            return null;
        }

        if (dto.PositionSide is not (null or "BOTH"))
        {
            throw new BinanceWireException($"'positionSide' is '{dto.PositionSide}' for {dto.Symbol}: the account is in hedge mode, and the ledger needs one-way mode (one net position per symbol)");
        }

        var entry = Amount("entryPrice", dto.EntryPrice);
        return new PositionView(Symbol("symbol", dto.Symbol), quantity, entry.Units > 0 ? new Price(entry.Units) : null);
    }

    public static BalanceView? ToBalance(BalanceDto dto)
    {
        var wallet = Amount("balance", dto.Balance);
        var available = Amount("availableBalance", dto.AvailableBalance);
        return wallet.IsZero && available.IsZero ? null : new BalanceView(Asset("asset", dto.Asset), wallet, available);
    }

    /// <summary>A FUNDING_FEE income: "BINANCE:FUNDING:&lt;symbol&gt;:&lt;tranId&gt;" (tranId is unique per income type), signed as Binance reports it.</summary>
    public static FundingPayment ToFundingPayment(IncomeDto dto)
    {
        var symbol = Symbol("symbol", dto.Symbol);
        return new FundingPayment(
            $"{BinanceExchange.BinanceName.Value}:FUNDING:{symbol.Value}:{Id("tranId", dto.TranId)}",
            BinanceExchange.BinanceName,
            symbol,
            new Money(Asset("asset", dto.Asset), Amount("income", dto.Income)),
            Time("time", dto.Time));
    }

    /// <summary>Any id Binance reports (the ledger's keys, and "web_…", "autoclose-…" of orders placed elsewhere): 1 to 64 printable characters.</summary>
    public static string ClientOrderId(string? text) =>
        text is { Length: > 0 and <= 64 } && text.All(c => c is > ' ' and <= '~')
            ? text
            : throw Bad("clientOrderId", $"'{text}' is not 1 to 64 printable characters");

    public static Price Price(string field, string? text) =>
        Domain.Amounts.Price.TryParse(text, out var value, out var error) ? value : throw Bad(field, error);

    public static Quantity Quantity(string field, string? text) =>
        Domain.Amounts.Quantity.TryParse(text, out var value, out var error) ? value : throw Bad(field, error);

    public static Amount Amount(string field, string? text) =>
        Domain.Amounts.Amount.TryParse(text, out var value, out var error) ? value : throw Bad(field, error);

    public static FundingRate Rate(string field, string? text) =>
        FixedPoint.TryParse(text, out var units, out var error) ? new FundingRate(units) : throw Bad(field, error);

    public static Symbol Symbol(string field, string? text) =>
        Domain.Instruments.Symbol.TryCreate(text, out var value, out var error) ? value : throw Bad(field, error);

    public static Asset Asset(string field, string? text) =>
        Domain.Amounts.Asset.TryCreate(text, out var value, out var error) ? value : throw Bad(field, error);

    public static Side Side(string field, string? text) => text switch
    {
        "BUY" => Domain.Instruments.Side.Buy,
        "SELL" => Domain.Instruments.Side.Sell,
        _ => throw Bad(field, $"'{text}' is not BUY or SELL"),
    };

    public static DateTimeOffset Time(string field, long unixMs) =>
        unixMs is >= 0 and <= MaxUnixMs
            ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs)
            : throw Bad(field, $"{unixMs.ToString(CultureInfo.InvariantCulture)} is not a time in Unix milliseconds");

    public static string Id(string field, long id) =>
        id > 0 ? id.ToString(CultureInfo.InvariantCulture) : throw Bad(field, $"{id.ToString(CultureInfo.InvariantCulture)} is not a positive id");

    private static BinanceWireException Bad(string field, string error) => new($"'{field}': {error}");
}
