using Microsoft.Extensions.Options;
using TradingBot.Application.Trading;
using TradingBot.Domain.Amounts;
using TradingBot.Domain.Instruments;

namespace TradingBot.Host.Worker.Composition;

/// <summary>The <c>Worker</c> section.</summary>
internal sealed class WorkerOptions
{
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The least time between two stored funding snapshots of a symbol (besides those around each settlement); zero: every cycle.</summary>
    public TimeSpan FundingSnapshotInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The least time between two stored reconciliations that found nothing new; zero: every reconciliation.</summary>
    public TimeSpan StateSnapshotInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The longest wait between retries while the ledger or the exchange is unreachable.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The <c>Strategy</c> section: amounts and rates are decimal text, parsed exactly.</summary>
internal sealed class StrategyOptions
{
    public string EntryFundingRateBps { get; set; } = "3";

    public string ExitFundingRateBps { get; set; } = "1";

    public string OrderQuantity { get; set; } = "0.01";

    public IList<string> Symbols { get; } = [];

    public FundingHarvestSettings ToSettings() => new(
        FundingRate.ParseBasisPoints(EntryFundingRateBps),
        FundingRate.ParseBasisPoints(ExitFundingRateBps),
        Quantity.Parse(OrderQuantity));

    public IReadOnlyList<Symbol> ToSymbols() => [.. Symbols.Select(s => new Symbol(s))];
}

/// <summary>One message per wrong value of <see cref="WorkerOptions"/>.</summary>
internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var failures = new List<string>();
        if (options.PollInterval <= TimeSpan.Zero)
        {
            failures.Add($"Worker:PollInterval is {options.PollInterval}; it must be a positive time span such as 00:00:02");
        }

        if (options.ReconcileInterval <= TimeSpan.Zero)
        {
            failures.Add($"Worker:ReconcileInterval is {options.ReconcileInterval}; it must be a positive time span such as 00:00:30");
        }

        if (options.FundingSnapshotInterval < TimeSpan.Zero)
        {
            failures.Add($"Worker:FundingSnapshotInterval is {options.FundingSnapshotInterval}; it must be zero (every cycle) or a positive time span such as 00:01:00");
        }

        if (options.StateSnapshotInterval < TimeSpan.Zero)
        {
            failures.Add($"Worker:StateSnapshotInterval is {options.StateSnapshotInterval}; it must be zero (every reconciliation) or a positive time span such as 00:15:00");
        }

        if (options.MaxBackoff <= TimeSpan.Zero)
        {
            failures.Add($"Worker:MaxBackoff is {options.MaxBackoff}; it must be a positive time span");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>One message per wrong value of <see cref="StrategyOptions"/>.</summary>
internal sealed class StrategyOptionsValidator : IValidateOptions<StrategyOptions>
{
    public ValidateOptionsResult Validate(string? name, StrategyOptions options)
    {
        var failures = new List<string>();
        var entryOk = FundingRate.TryParseBasisPoints(options.EntryFundingRateBps, out var entry, out var entryError);
        if (!entryOk)
        {
            failures.Add($"Strategy:EntryFundingRateBps: {entryError}");
        }

        var exitOk = FundingRate.TryParseBasisPoints(options.ExitFundingRateBps, out var exit, out var exitError);
        if (!exitOk)
        {
            failures.Add($"Strategy:ExitFundingRateBps: {exitError}");
        }

        if (!Quantity.TryParse(options.OrderQuantity, out var quantity, out var quantityError))
        {
            failures.Add($"Strategy:OrderQuantity: {quantityError}");
        }
        else if (quantity.IsZero)
        {
            failures.Add("Strategy:OrderQuantity must be greater than zero");
        }

        if (entryOk && exitOk && entry < exit)
        {
            failures.Add($"Strategy:EntryFundingRateBps ({options.EntryFundingRateBps}) is below Strategy:ExitFundingRateBps ({options.ExitFundingRateBps}); the entry threshold must be at or above the exit threshold");
        }

        if (options.Symbols.Count == 0)
        {
            failures.Add("Strategy:Symbols is empty; list at least one symbol, e.g. BTCUSDT");
        }

        foreach (var symbol in options.Symbols)
        {
            if (!Symbol.TryCreate(symbol, out _, out var symbolError))
            {
                failures.Add($"Strategy:Symbols: {symbolError}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
