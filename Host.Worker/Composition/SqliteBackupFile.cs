using Microsoft.Data.Sqlite;

using TradingBot.Hosting;

namespace TradingBot.Host.Worker.Composition;

/// <summary>
/// The SQLite file that backup writes and restore reads: the SQLite work of those verbs lives here, in the composition
/// root, so the verbs name no provider type.
/// </summary>
internal static class SqliteBackupFile
{
    /// <summary>The ledger settings of the SQLite file at <paramref name="path"/>; <paramref name="readOnly"/> for one restored from.</summary>
    public static LedgerSettings Settings(string path, bool readOnly = false) =>
        LedgerSettings.Other(LedgerProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = path }.ToString(), Directory.GetCurrentDirectory(), "the backup file", readOnly);

    /// <summary>Closes the connections SQLite keeps pooled, so the file can be sealed, moved or deleted.</summary>
    public static void ReleaseConnections() => SqliteConnection.ClearAllPools();

    /// <summary>
    /// Makes the file stand alone: its write-ahead log folded in, so the one file holds everything. Leaving WAL mode takes
    /// the only connection to the file: this one, opened once the copy's connections are all closed.
    /// </summary>
    public static async Task SealAsync(string file, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the file and those SQLite keeps beside it (its log, shared memory and lock).</summary>
    public static void Delete(string path)
    {
        foreach (var part in new[] { path, path + "-wal", path + "-shm", path + ".lock" })
        {
            File.Delete(part);
        }
    }
}
