using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;
using TradingBot.Domain.Orders;
using TradingBot.Domain.Time;

namespace TradingBot.Domain.Positions;

/// <summary>
/// The net position on one exchange and symbol, derived exactly from its fills and funding payments.
/// Cost is tracked as the quote notional of the open lot (<see cref="EntryNotional"/>), so closing the
/// whole position releases exactly what was paid and no rounding drift survives a round trip.
/// Fees and funding are counted when they are in the symbol's quote asset; a fee paid in another asset
/// (BNB, say) stays on its fill and is not converted here.
/// </summary>
public sealed class Position
{
    private Position(ExchangeName exchange, Symbol symbol)
    {
        Exchange = exchange;
        Symbol = symbol;
    }

    /// <summary>Where the position is held.</summary>
    public ExchangeName Exchange { get; }

    /// <summary>What is held.</summary>
    public Symbol Symbol { get; }

    /// <summary>Signed base quantity in 1e-8: positive long, negative short.</summary>
    public Amount NetQuantity { get; private set; }

    /// <summary>The quote notional paid for the open lot (always ≥ 0; zero when flat).</summary>
    public Amount EntryNotional { get; private set; }

    /// <summary>Realized trading PnL in the quote asset, before fees and funding.</summary>
    public Amount RealizedPnl { get; private set; }

    /// <summary>Fees paid in the quote asset (negative when rebates exceed fees).</summary>
    public Amount FeesPaid { get; private set; }

    /// <summary>Funding received in the quote asset (negative when paid).</summary>
    public Amount FundingReceived { get; private set; }

    /// <summary>How many fills have been applied; the next fill's sequence is this plus one.</summary>
    public long FillCount { get; private set; }

    /// <summary>When the position last changed (UTC).</summary>
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>
    /// The exchange time of its latest fill (by time, not by order of recording); null when it has none, or when it was
    /// stored before the ledger kept this.
    /// </summary>
    public DateTimeOffset? LastFilledAt { get; private set; }

    /// <summary>True when the net quantity is zero.</summary>
    public bool IsFlat => NetQuantity.IsZero;

    /// <summary>True when short.</summary>
    public bool IsShort => NetQuantity.Units < 0;

    /// <summary>The open lot's average entry price (entry notional ÷ |net quantity|, half away from zero); null when flat.</summary>
    public Price? AverageEntryPrice => IsFlat
        ? null
        : new Price(Math.Max(1, FixedPoint.DivideRounded((Int128)EntryNotional.Units * FixedPoint.Scale, Math.Abs(NetQuantity.Units))));

    /// <summary>Realized trading PnL + funding − fees.</summary>
    public Amount NetRealized => RealizedPnl + FundingReceived - FeesPaid;

    /// <summary>A flat position with nothing applied.</summary>
    public static Position Flat(ExchangeName exchange, Symbol symbol) => new(exchange, symbol);

    /// <summary>Rebuilds a position from storage.</summary>
    public static Position Rehydrate(
        ExchangeName exchange,
        Symbol symbol,
        Amount netQuantity,
        Amount entryNotional,
        Amount realizedPnl,
        Amount feesPaid,
        Amount fundingReceived,
        long fillCount,
        DateTimeOffset updatedAt,
        DateTimeOffset? lastFilledAt = null)
    {
        if (entryNotional.Units < 0 || (netQuantity.IsZero && !entryNotional.IsZero) || fillCount < 0)
        {
            throw new ArgumentException($"stored position {exchange}/{symbol} is inconsistent (net {netQuantity}, entry notional {entryNotional}, fills {fillCount})");
        }

        return new Position(exchange, symbol)
        {
            NetQuantity = netQuantity,
            EntryNotional = entryNotional,
            RealizedPnl = realizedPnl,
            FeesPaid = feesPaid,
            FundingReceived = fundingReceived,
            FillCount = fillCount,
            UpdatedAt = LedgerTime.Normalize(updatedAt),
            LastFilledAt = lastFilledAt is { } last ? LedgerTime.Normalize(last) : null,
        };
    }

    /// <summary>
    /// Applies one fill of an order on <paramref name="side"/>. Adding to the position adds its notional;
    /// reducing releases the matching share of the entry notional and realizes the difference; a fill
    /// larger than the position closes it and opens the rest on the other side at the fill price.
    /// Returns the trading PnL this fill realized.
    /// </summary>
    public Amount ApplyFill(Side side, Fill fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        var signed = side == Side.Buy ? fill.Quantity.Units : -fill.Quantity.Units;
        var realized = Amount.Zero;

        if (NetQuantity.IsZero || Math.Sign(NetQuantity.Units) == Math.Sign(signed))
        {
            EntryNotional += fill.Price.NotionalOf(fill.Quantity);
            NetQuantity += new Amount(signed);
        }
        else
        {
            var open = Math.Abs(NetQuantity.Units);
            var closing = Math.Min(fill.Quantity.Units, open);
            var released = closing == open
                ? EntryNotional
                : new Amount(FixedPoint.DivideRounded((Int128)EntryNotional.Units * closing, open));
            var exitNotional = fill.Price.NotionalOf(new Quantity(closing));
            realized = NetQuantity.Units > 0 ? exitNotional - released : released - exitNotional;
            RealizedPnl += realized;
            EntryNotional -= released;
            NetQuantity += new Amount(Math.Sign(signed) * closing);

            var opening = fill.Quantity.Units - closing;
            if (opening > 0)
            {
                EntryNotional = fill.Price.NotionalOf(new Quantity(opening));
                NetQuantity = new Amount(Math.Sign(signed) * opening);
            }
        }

        if (Symbol.QuoteAsset is { } quote && fill.Fee.Asset == quote)
        {
            FeesPaid += fill.Fee.Amount;
        }

        // Unknown (stored before it was kept) on a position with fills stays unknown: this fill may not be the latest.
        var filledAt = LedgerTime.Normalize(fill.FilledAt);
        LastFilledAt = FillCount == 0 ? filledAt : LastFilledAt is { } last ? Later(last, filledAt) : null;
        FillCount = checked(FillCount + 1);
        UpdatedAt = Later(UpdatedAt, fill.FilledAt);
        return realized;
    }

    /// <summary>
    /// Adds a funding payment (positive received, negative paid) when it is in the quote asset. Returns the amount counted,
    /// or null when the payment is in another asset and counts for nothing.
    /// </summary>
    public Amount? ApplyFunding(Money payment, DateTimeOffset paidAt)
    {
        UpdatedAt = Later(UpdatedAt, LedgerTime.Normalize(paidAt));
        if (Symbol.QuoteAsset is not { } quote || payment.Asset != quote)
        {
            return null;
        }

        FundingReceived += payment.Amount;
        return payment.Amount;
    }

    /// <summary>Replays fills (each with its order's side) from flat: what the position must equal.</summary>
    public static Position Replay(ExchangeName exchange, Symbol symbol, IEnumerable<(Side Side, Fill Fill)> fills)
    {
        ArgumentNullException.ThrowIfNull(fills);
        var position = Flat(exchange, symbol);
        foreach (var (side, fill) in fills)
        {
            position.ApplyFill(side, fill);
        }

        return position;
    }

    /// <summary>True when quantity, cost, PnL, fees, funding, fill count and last fill time all agree.</summary>
    public bool SameBalancesAs(Position other) =>
        other is not null &&
        Exchange == other.Exchange && Symbol == other.Symbol &&
        NetQuantity == other.NetQuantity && EntryNotional == other.EntryNotional &&
        RealizedPnl == other.RealizedPnl && FeesPaid == other.FeesPaid &&
        FundingReceived == other.FundingReceived && FillCount == other.FillCount && LastFilledAt == other.LastFilledAt;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
