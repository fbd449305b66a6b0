using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TradingBot.Infrastructure.Persistence;
using TradingBot.Infrastructure.Persistence.Copy;

namespace TradingBot.Infrastructure.Postgres;

/// <summary>
/// A Postgres ledger's backup in pg_dump's custom format, for users who keep Postgres tools: pg_dump reads a snapshot the
/// ledger exports (<c>pg_export_snapshot</c>), and the same snapshot's per-table row counts and checksums
/// (<see cref="LedgerDigest"/>) are written beside the file (<c>FILE.checksums.json</c>), so a restore through pg_restore
/// is verified the same way as every other copy. The tools get the connection through libpq's environment variables
/// (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE): a password never appears in a process list.
/// </summary>
public static class PostgresDump
{
    /// <summary>What a pg_dump archive starts with.</summary>
    private static readonly byte[] Magic = "PGDMP"u8.ToArray();

    /// <summary>The file beside a dump that holds its snapshot's checksums.</summary>
    public static string ChecksumsFile(string dumpFile) => dumpFile + ".checksums.json";

    /// <summary>True when <paramref name="file"/> starts as a pg_dump custom-format archive does.</summary>
    public static bool IsDump(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var stream = File.OpenRead(file);
        Span<byte> head = stackalloc byte[5];
        return stream.ReadAtLeast(head, 5, throwOnEndOfStream: false) == 5 && head.SequenceEqual(Magic);
    }

    /// <summary>The folder of pg_dump and pg_restore: on PATH, or where <c>pg_config --bindir</c> says; null when neither has them.</summary>
    public static string? ToolFolder()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(folder, "pg_dump")) && File.Exists(Path.Combine(folder, "pg_restore")))
            {
                return folder;
            }
        }

        try
        {
            using var config = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            var folder = config?.StandardOutput.ReadToEnd().Trim();
            config?.WaitForExit();
            return config?.ExitCode == 0 && folder is { Length: > 0 } && File.Exists(Path.Combine(folder, "pg_dump")) ? folder : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no pg_config either
        }
    }

    /// <summary>
    /// Dumps the ledger at <paramref name="connectionString"/> into <paramref name="file"/> (custom format) from one
    /// snapshot, and writes that snapshot's checksums beside it.
    /// </summary>
    /// <returns>The snapshot's per-table digests.</returns>
    public static async Task<IReadOnlyList<TableDigest>> BackupAsync(IDbContextFactory<LedgerDbContext> contexts, string connectionString, string file, string tools, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var digests = await db.Database.CreateExecutionStrategy().ExecuteAsync(
            async ct =>
            {
                File.Delete(file); // an attempt after a transient failure dumps again
                await using var snapshot = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
                var id = await db.Database.SqlQueryRaw<string>("SELECT pg_export_snapshot() AS \"Value\"").SingleAsync(ct).ConfigureAwait(false);

                // pg_dump imports the snapshot while this transaction stays open; the checksums are read from it meanwhile.
                var dump = RunAsync(tools, "pg_dump", connectionString, ["--format=custom", "--no-owner", "--no-privileges", $"--snapshot={id}", $"--file={file}"], ct);
                var read = await LedgerDigest.ComputeAsync(db, ct).ConfigureAwait(false);
                await dump.ConfigureAwait(false);
                await snapshot.CommitAsync(ct).ConfigureAwait(false);
                return read;
            },
            cancellationToken).ConfigureAwait(false);

        var listing = await RunAsync(tools, "pg_restore", null, ["--list", file], cancellationToken).ConfigureAwait(false);
        var missing = digests.Where(d => !listing.Contains($"TABLE DATA public {d.Table} ", StringComparison.Ordinal)).Select(d => d.Table).ToList();
        if (missing.Count > 0)
        {
            throw new PostgresToolException($"the dump {file} holds no data of {string.Join(", ", missing)}");
        }

        await File.WriteAllTextAsync(ChecksumsFile(file), JsonSerializer.Serialize(digests), cancellationToken).ConfigureAwait(false);
        return digests;
    }

    /// <summary>The checksums written beside <paramref name="dumpFile"/>; null when there are none.</summary>
    public static async Task<IReadOnlyList<TableDigest>?> ReadChecksumsAsync(string dumpFile, CancellationToken cancellationToken) =>
        File.Exists(ChecksumsFile(dumpFile))
            ? JsonSerializer.Deserialize<List<TableDigest>>(await File.ReadAllTextAsync(ChecksumsFile(dumpFile), cancellationToken).ConfigureAwait(false))
            : null;

    /// <summary>
    /// Loads <paramref name="dumpFile"/> into the database at <paramref name="connectionString"/>, which must hold no
    /// table, in one transaction (a failed restore leaves the database as it was).
    /// </summary>
    public static async Task RestoreAsync(string connectionString, string dumpFile, string tools, CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')", connection);
            var tables = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (tables > 0)
            {
                throw new LedgerCopyRefusedException($"the database holds {tables} table(s); a pg_dump backup is restored only into an empty database (create one: CREATE DATABASE ...).");
            }
        }

        await RunAsync(tools, "pg_restore", connectionString, ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", $"--dbname={new NpgsqlConnectionStringBuilder(connectionString).Database}", dumpFile], cancellationToken).ConfigureAwait(false);
    }

    // Runs a libpq tool with the connection in its environment; its standard output, or an error with its standard error.
    private static async Task<string> RunAsync(string tools, string tool, string? connectionString, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Path.Combine(tools, tool)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (connectionString is not null)
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            start.Environment["PGHOST"] = builder.Host;
            start.Environment["PGPORT"] = builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["PGDATABASE"] = builder.Database;
            start.Environment["PGUSER"] = builder.Username;
            start.Environment["PGCONNECT_TIMEOUT"] = builder.Timeout.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!string.IsNullOrEmpty(builder.Password))
            {
                start.Environment["PGPASSWORD"] = builder.Password;
            }

            start.Environment["PGSSLMODE"] = builder.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                SslMode.VerifyFull => "verify-full",
                _ => "prefer",
            };
        }

        using var process = Process.Start(start) ?? throw new PostgresToolException($"{tool} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var said = new StringBuilder(await error.ConfigureAwait(false)).Replace(Environment.NewLine, " ").ToString().Trim();
            throw new PostgresToolException($"{tool} failed (exit {process.ExitCode}): {said}");
        }

        return await output.ConfigureAwait(false);
    }
}

/// <summary>pg_dump or pg_restore failed, or wrote an archive without the ledger's data; the message carries what the tool said.</summary>
public sealed class PostgresToolException(string message) : Exception(message);
