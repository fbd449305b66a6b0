using System.Text.Json;
using System.Text.Json.Serialization;

namespace TradingBot.Infrastructure.Exchanges.Paper;

// The paper exchange's state: the account and its symbols, and (in memory only, or in an earlier version's JSON file)
// its orders, trades and funding payments. Amounts are the ledger's 1e-8 integers.

internal sealed class PaperState
{
    public int Seed { get; set; }

    /// <summary>Real time at which the simulation started.</summary>
    public DateTimeOffset RealOrigin { get; set; }

    /// <summary>Simulated time at <see cref="RealOrigin"/>.</summary>
    public DateTimeOffset VirtualOrigin { get; set; }

    /// <summary>Simulated seconds per real second since <see cref="RealOrigin"/>; null in a state of an earlier version (taken from the options).</summary>
    public int? Speed { get; set; }

    public long NextOrderId { get; set; } = 1;

    public long NextTradeId { get; set; } = 1;

    public long WalletUnits { get; set; }

    public Dictionary<string, PaperSymbolState> Symbols { get; set; } = [];

    public List<PaperOrder> Orders { get; set; } = [];

    public List<PaperTrade> Trades { get; set; } = [];

    public List<PaperFunding> Funding { get; set; } = [];
}

internal sealed class PaperSymbolState
{
    /// <summary>The last simulated minute processed.</summary>
    public long Step { get; set; }

    public long MarkUnits { get; set; }

    public long IndexUnits { get; set; }

    public long FundingRateUnits { get; set; }

    public long NetQuantityUnits { get; set; }

    public long EntryNotionalUnits { get; set; }

    public long RealizedUnits { get; set; }

    /// <summary>The last funding time paid (Unix seconds of simulated time).</summary>
    public long LastFundingTime { get; set; }

    /// <summary>The lowest net quantity the account ever held on the symbol.</summary>
    public long LowestNetQuantityUnits { get; set; }

    /// <summary>The highest net quantity the account ever held on the symbol.</summary>
    public long HighestNetQuantityUnits { get; set; }
}

internal sealed class PaperOrder
{
    public long OrderId { get; set; }

    public string ClientOrderId { get; set; } = "";

    public string Symbol { get; set; } = "";

    public string Side { get; set; } = "";

    public string Type { get; set; } = "";

    public long QuantityUnits { get; set; }

    public long? PriceUnits { get; set; }

    /// <summary>The trigger price of a conditional order (STOP_MARKET, TAKE_PROFIT...), which the paper exchange never triggers.</summary>
    public long? StopPriceUnits { get; set; }

    public bool ReduceOnly { get; set; }

    public long FilledUnits { get; set; }

    /// <summary>NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED.</summary>
    public string Status { get; set; } = "NEW";

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Real time before which queries do not show the order or its trades (an answer lost, the order visible late).</summary>
    public DateTimeOffset? VisibleAt { get; set; }

    /// <summary>NEW or PARTIALLY_FILLED.</summary>
    [JsonIgnore]
    public bool IsOpen => Status is "NEW" or "PARTIALLY_FILLED";
}

internal sealed class PaperTrade
{
    public long TradeId { get; set; }

    public long OrderId { get; set; }

    public string ClientOrderId { get; set; } = "";

    public string Symbol { get; set; } = "";

    public string Side { get; set; } = "";

    public long PriceUnits { get; set; }

    public long QuantityUnits { get; set; }

    public long FeeUnits { get; set; }

    public DateTimeOffset Time { get; set; }
}

internal sealed class PaperFunding
{
    public string Id { get; set; } = "";

    public string Symbol { get; set; } = "";

    public long AmountUnits { get; set; }

    public DateTimeOffset Time { get; set; }
}

/// <summary>
/// The JSON state file of earlier versions, read once to carry it over into <see cref="SqlitePaperBook"/>, and the lock
/// file beside a state that serialises opening it between processes.
/// </summary>
internal static class PaperStateFile
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>Takes the exclusive lock of the state at <paramref name="path"/>, waiting while another process holds it.</summary>
    public static FileStream Lock(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var lockPath = Path.Combine(folder, $".{Path.GetFileName(path)}.lock");
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                Thread.Sleep(5);
            }
        }
    }

    public static PaperState? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<PaperState>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"the paper exchange state '{path}' is empty");
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"the paper exchange state '{path}' is not valid: {exception.Message}", exception);
        }
    }
}
