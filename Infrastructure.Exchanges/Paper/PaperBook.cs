namespace TradingBot.Infrastructure.Exchanges.Paper;

/// <summary>
/// Where the paper exchange keeps its orders, trades and funding payments. One call of the exchange is one
/// <see cref="Begin"/> … <see cref="Commit"/>: the account and symbols come back from <see cref="Begin"/> and go in
/// whole at <see cref="Commit"/>; orders, trades and payments are read by what the call needs, never all of them, so a
/// call costs the same after a million trades as after ten.
/// </summary>
internal interface IPaperBook : IDisposable
{
    /// <summary>Starts a call: holds the book against every other process until <see cref="Commit"/> or <see cref="Abandon"/>, and returns the account.</summary>
    PaperState Begin();

    /// <summary>Stores the account, every order this call read or added, and the trades and payments it added.</summary>
    void Commit(PaperState state);

    /// <summary>Forgets what this call changed.</summary>
    void Abandon();

    /// <summary>The newest order on <paramref name="symbol"/> with this client order id that <paramref name="accept"/> accepts.</summary>
    PaperOrder? FindByClientId(string symbol, string clientOrderId, Func<PaperOrder, bool> accept);

    /// <summary>The order with this exchange order id on <paramref name="symbol"/>.</summary>
    PaperOrder? FindById(string symbol, long orderId);

    /// <summary>The open orders (NEW or PARTIALLY_FILLED), of one symbol or all, oldest first.</summary>
    IReadOnlyList<PaperOrder> Open(string? symbol);

    /// <summary>Whether any order's client order id starts with <paramref name="prefix"/>.</summary>
    bool AnyClientIdStartingWith(string prefix);

    void Add(PaperOrder order);

    void Add(PaperTrade trade);

    void Add(PaperFunding funding);

    /// <summary>The trades on <paramref name="symbol"/> at or after <paramref name="since"/>, oldest first, each with its order.</summary>
    IReadOnlyList<(PaperTrade Trade, PaperOrder Order)> TradesSince(string symbol, DateTimeOffset since);

    /// <summary>The funding payments at or after <paramref name="since"/>, oldest first.</summary>
    IReadOnlyList<PaperFunding> FundingSince(DateTimeOffset since);

    /// <summary>Everything, for an auditor: every order, trade and payment.</summary>
    (IReadOnlyList<PaperOrder> Orders, IReadOnlyList<PaperTrade> Trades, IReadOnlyList<PaperFunding> Funding) Everything();
}

/// <summary>The book of an exchange that lives in one object only (a simulation): the state's own lists.</summary>
internal sealed class MemoryPaperBook(PaperState state) : IPaperBook
{
    public PaperState Begin() => state;

    public void Commit(PaperState state)
    {
    }

    public void Abandon()
    {
    }

    public PaperOrder? FindByClientId(string symbol, string clientOrderId, Func<PaperOrder, bool> accept) =>
        state.Orders.LastOrDefault(o => o.Symbol == symbol && o.ClientOrderId == clientOrderId && accept(o));

    public PaperOrder? FindById(string symbol, long orderId) =>
        state.Orders.FirstOrDefault(o => o.Symbol == symbol && o.OrderId == orderId);

    public IReadOnlyList<PaperOrder> Open(string? symbol) =>
        [.. state.Orders.Where(o => o.IsOpen && (symbol is null || o.Symbol == symbol))];

    public bool AnyClientIdStartingWith(string prefix) =>
        state.Orders.Any(o => o.ClientOrderId.StartsWith(prefix, StringComparison.Ordinal));

    public void Add(PaperOrder order) => state.Orders.Add(order);

    public void Add(PaperTrade trade) => state.Trades.Add(trade);

    public void Add(PaperFunding funding) => state.Funding.Add(funding);

    public IReadOnlyList<(PaperTrade Trade, PaperOrder Order)> TradesSince(string symbol, DateTimeOffset since)
    {
        var orders = state.Orders.Where(o => o.Symbol == symbol).ToDictionary(o => o.OrderId);
        return [.. state.Trades.Where(t => t.Symbol == symbol && t.Time >= since).Select(t => (t, orders[t.OrderId]))];
    }

    public IReadOnlyList<PaperFunding> FundingSince(DateTimeOffset since) =>
        [.. state.Funding.Where(f => f.Time >= since).OrderBy(f => f.Time)];

    public (IReadOnlyList<PaperOrder> Orders, IReadOnlyList<PaperTrade> Trades, IReadOnlyList<PaperFunding> Funding) Everything() =>
        (state.Orders, state.Trades, state.Funding);

    public void Dispose()
    {
    }
}
