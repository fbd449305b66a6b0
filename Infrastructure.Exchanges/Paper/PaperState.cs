using System.Text.Json;

namespace TradingBot.Infrastructure.Exchanges.Paper;

// The paper exchange's persisted state. Amounts are the ledger's 1e-8 integers.

internal sealed class PaperState
{
    public int Seed { get; set; }

    /// <summary>Real time at which the simulation started.</summary>
    public DateTimeOffset RealOrigin { get; set; }

    /// <summary>Simulated time at <see cref="RealOrigin"/>.</summary>
    public DateTimeOffset VirtualOrigin { get; set; }

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
/// Reads and writes the state file; a write goes to a temporary file first and replaces the old one whole. Every
/// read-modify-write holds an exclusive lock on a lock file beside it, so two processes sharing the exchange (two
/// workers of one ledger, one taking over from the other) never lose each other's orders.
/// </summary>
internal static class PaperStateFile
{
    /// <summary>Takes the exclusive lock of the state at <paramref name="path"/>, waiting while another process holds it.</summary>
    public static async Task<FileStream> LockAsync(string path)
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
                await Task.Delay(5).ConfigureAwait(false);
            }
        }
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

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

    public static void Save(string path, PaperState state)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            JsonSerializer.Serialize(stream, state, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
