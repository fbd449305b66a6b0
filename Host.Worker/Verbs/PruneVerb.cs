using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TradingBot.Host.Worker.Composition;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Retention;

using TradingBot.Hosting;

namespace TradingBot.Host.Worker.Verbs;

/// <summary>What prune was asked to do.</summary>
/// <param name="Before">--before: a UTC date (2026-06-01) or a time with its offset (2026-06-01T12:00:00Z).</param>
/// <param name="Archive">--archive: the new archive file; required unless <paramref name="DryRun"/>.</param>
/// <param name="DryRun">--dry-run: show what would go, change nothing.</param>
internal sealed record PruneRequest(string Before, string? Archive, bool DryRun);

/// <summary>
/// prune: removes funding snapshots, state snapshots and audit events older than --before from the configured ledger,
/// each table keeping at least its Retention setting's span (Retention:FundingSnapshots, Retention:StateSnapshots,
/// Retention:AuditLog), after writing them to a checked archive (<see cref="LedgerPruner"/>). A worker may keep trading.
/// </summary>
internal static class PruneVerb
{
    /// <summary>How long each table keeps its rows at least, whatever --before says (the setting, and its default).</summary>
    public static readonly (PrunableTable Table, string Setting, TimeSpan Default)[] Keep =
    [
        (PrunableTable.FundingSnapshots, "Retention:FundingSnapshots", TimeSpan.FromDays(1)),
        (PrunableTable.StateSnapshots, "Retention:StateSnapshots", TimeSpan.FromDays(1)),
        (PrunableTable.AuditLog, "Retention:AuditLog", TimeSpan.FromDays(30)),
    ];

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"];

    public static async Task<int> RunAsync(PruneRequest request, string[] configurationArgs, CancellationToken cancellationToken)
    {
        var before = ParseBefore(request.Before);
        if (!request.DryRun && string.IsNullOrWhiteSpace(request.Archive))
        {
            throw new TradingBotConfigurationException("prune needs --archive FILE: the rows that leave are written there, and checked, before any is deleted (or give --dry-run to see what would go).");
        }

        if (request.Archive is { } archive && (File.Exists(Path.GetFullPath(archive)) || !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(archive)))))
        {
            throw new TradingBotConfigurationException(File.Exists(Path.GetFullPath(archive))
                ? $"{Path.GetFullPath(archive)} exists; a prune archive never overwrites a file. Name a new one."
                : $"the folder of {Path.GetFullPath(archive)} does not exist.");
        }

        var (builder, ledger) = WorkerHost.CreateBuilder(configurationArgs, withExchange: false, readOnly: request.DryRun);
        using var host = builder.Build();
        WorkerHost.ValidateOptions(host.Services);
        if (ledger.SqliteFile is { } file && !File.Exists(file))
        {
            throw new NoLedgerException($"no ledger at {file} (ConnectionStrings:Ledger) to prune. Nothing was created.");
        }

        await WorkerHost.RequireLedgerAsync(host.Services, ledger, cancellationToken).ConfigureAwait(false);
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var now = DateTimeOffset.UtcNow;
        var cutoffs = new Dictionary<PrunableTable, DateTimeOffset>();
        Console.WriteLine($"Ledger: {ledger.Describe()}");
        foreach (var (table, setting, fallback) in Keep)
        {
            var keep = configuration[setting] is { Length: > 0 } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : fallback;
            cutoffs[table] = before < now - keep ? before : now - keep;
            if (cutoffs[table] < before)
            {
                Console.WriteLine($"{Name(table)}: {setting} keeps {keep:c}, so only rows before {cutoffs[table]:u} go.");
            }
        }

        var report = await LedgerPruner.PruneAsync(
            host.Services.GetRequiredService<IDbContextFactory<LedgerDbContext>>(),
            new LedgerPruneRequest { Before = cutoffs, ArchivePath = request.Archive is null ? null : Path.GetFullPath(request.Archive), DryRun = request.DryRun, Ledger = ledger.Describe() },
            cancellationToken).ConfigureAwait(false);

        var verb = request.DryRun ? "would go" : "went";
        foreach (var table in report.Tables)
        {
            var span = table.Rows == 0 ? string.Empty : $" (from {table.Oldest:u} to {table.Newest:u})";
            var kept = table.Kept == 0 ? string.Empty : $"; {table.Kept} older one(s) stay because they explain an open halt or a live order";
            var whole = table.DroppedPartitions.Count == 0 ? string.Empty : $"; whole months detached and dropped: {string.Join(", ", table.DroppedPartitions)}";
            Console.WriteLine($"{table.Table}: {table.Rows} row(s) before {table.Before:u} {verb}{span}{kept}{whole}.");
        }

        var total = report.Tables.Sum(t => t.Rows);
        Console.WriteLine(request.DryRun
            ? $"prune --dry-run: {total} row(s) would go; nothing was written or deleted."
            : report.Archive is null
                ? "prune: nothing to prune; no archive was written."
                : $"prune: {total} row(s) archived to {report.Archive} (read back and checked: counts and checksums per table), then deleted.");
        return 0;
    }

    private static string Name(PrunableTable table) => table switch
    {
        PrunableTable.FundingSnapshots => "funding_snapshots",
        PrunableTable.StateSnapshots => "state_snapshots",
        _ => "audit_log",
    };

    private static DateTimeOffset ParseBefore(string text)
    {
        if (!DateTimeOffset.TryParseExact(text.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var before)
            || (text.Contains('T', StringComparison.Ordinal) && !(text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > text.IndexOf('T', StringComparison.Ordinal))))
        {
            throw new TradingBotConfigurationException($"--before is '{text}'; give a UTC date such as 2026-06-01, or a time with its offset such as 2026-06-01T12:00:00Z.");
        }

        if (before > DateTimeOffset.UtcNow)
        {
            throw new TradingBotConfigurationException($"--before is {before:u}, which is in the future; prune removes rows older than a date that has passed.");
        }

        return before;
    }
}
