using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Postgres;

namespace TradingBot.Host.Worker.Composition;

/// <summary>
/// A Postgres ledger in pg_dump's custom format with its snapshot's checksums beside it (<see cref="PostgresDump"/>): the
/// composition root's door to it, so backup --pg-dump, restore and the verbs' error handling name no provider type.
/// </summary>
internal static class PgDumpFile
{
    /// <summary>The file beside a dump that holds its snapshot's checksums.</summary>
    public static string ChecksumsFile(string dumpFile) => PostgresDump.ChecksumsFile(dumpFile);

    /// <summary>True when <paramref name="file"/> starts as a pg_dump custom-format archive does.</summary>
    public static bool IsDump(string file) => PostgresDump.IsDump(file);

    /// <summary>The folder of pg_dump and pg_restore; null when they are not installed.</summary>
    public static string? ToolFolder() => PostgresDump.ToolFolder();

    /// <summary>Dumps the ledger from one exported snapshot into <paramref name="file"/>, with that snapshot's checksums beside it.</summary>
    public static Task<IReadOnlyList<TableDigest>> BackupAsync(IDbContextFactory<LedgerDbContext> contexts, string connectionString, string file, string tools, CancellationToken cancellationToken) =>
        PostgresDump.BackupAsync(contexts, connectionString, file, tools, cancellationToken);

    /// <summary>The checksums written beside <paramref name="dumpFile"/>; null when that file is missing.</summary>
    public static Task<IReadOnlyList<TableDigest>?> ReadChecksumsAsync(string dumpFile, CancellationToken cancellationToken) =>
        PostgresDump.ReadChecksumsAsync(dumpFile, cancellationToken);

    /// <summary>Restores <paramref name="dumpFile"/> into the empty database at <paramref name="connectionString"/> through pg_restore.</summary>
    public static Task RestoreAsync(string connectionString, string dumpFile, string tools, CancellationToken cancellationToken) =>
        PostgresDump.RestoreAsync(connectionString, dumpFile, tools, cancellationToken);

    /// <summary>Whether <paramref name="exception"/> says pg_dump or pg_restore failed (its message says why).</summary>
    public static bool IsToolFailure(Exception exception) => exception is PostgresToolException;
}
