using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>
/// The write-batch commands kept for one connection object, one per batch shape. A pooled context keeps its
/// connection object from one unit of work to the next (the SQLite ledger lends its kept connections), so a
/// record-fill binds its values into the parameters of a command made once instead of building a command and a
/// parameter per value each time, as EF Core's relational command does: that was the largest part of what the
/// ledger's EF path spent beyond raw ADO.NET. A connection runs one command at a time, and so does its set.
/// <para>
/// A command runs the way EF Core runs its own: the connection opened and closed by the context, in its current
/// transaction, with its command timeout, and through EF Core's command diagnostics, so interceptors, logging and
/// DiagnosticListener see every execution. The interception points that create a command (CommandCreating,
/// CommandCreated) run once per kept command; CommandInitialized and the execution, error and cancellation points run
/// on every execution. A command an interceptor supplies, replaces or rewrites is used for that execution only, and a
/// command whose execution failed is disposed, never reused.
/// </para>
/// </summary>
internal sealed class LedgerWriteCommands
{
    private static readonly ConditionalWeakTable<DbConnection, LedgerWriteCommands> ByConnection = [];

    private readonly Dictionary<CompiledWrites, Kept> _kept = new(ReferenceEqualityComparer.Instance);

    /// <summary>How many write commands are kept for <paramref name="connection"/>.</summary>
    public static int CountFor(DbConnection connection) => ByConnection.TryGetValue(connection, out var commands) ? commands._kept.Count : 0;

    /// <summary>Runs <paramref name="batch"/> with <paramref name="values"/> on <paramref name="db"/>'s connection; returns the rows written.</summary>
    public static async Task<int> ExecuteNonQueryAsync(LedgerDbContext db, CompiledWrites batch, SlotValues values, CancellationToken cancellationToken)
    {
        var connection = db.GetService<IRelationalConnection>();
        var logger = db.GetService<IRelationalCommandDiagnosticsLogger>();
        var commandId = Guid.NewGuid();
        var startTime = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var commands = ByConnection.GetValue(connection.DbConnection, static _ => new LedgerWriteCommands());
        DbCommand? command = null;
        var keep = false;
        try
        {
            (command, keep) = commands.Initialize(db, connection, logger, batch, values, commandId, startTime, started);
            var interception = await logger.CommandNonQueryExecutingAsync(
                connection, command, batch.Sql, db, commandId, connection.ConnectionId, startTime, CommandSource.ExecuteSqlRaw, cancellationToken).ConfigureAwait(false);
            var written = interception.HasResult ? interception.Result : await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return await logger.CommandNonQueryExecutedAsync(
                connection, command, batch.Sql, db, commandId, connection.ConnectionId, written, startTime, Stopwatch.GetElapsedTime(started), CommandSource.ExecuteSqlRaw, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            keep = false;
            if (command is null)
            {
                // Failed while being made or bound (an interceptor threw): nothing of it is reused.
                commands.ForgetShape(batch);
            }
            else
            {
                if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    await logger.CommandCanceledAsync(
                        connection, command, batch.Sql, db, DbCommandMethod.ExecuteNonQuery, commandId, connection.ConnectionId, startTime, Stopwatch.GetElapsedTime(started), CommandSource.ExecuteSqlRaw, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await logger.CommandErrorAsync(
                        connection, command, batch.Sql, db, DbCommandMethod.ExecuteNonQuery, commandId, connection.ConnectionId, exception, startTime, Stopwatch.GetElapsedTime(started), CommandSource.ExecuteSqlRaw, CancellationToken.None).ConfigureAwait(false);
                }
            }

            throw;
        }
        finally
        {
            if (command is not null)
            {
                if (keep)
                {
                    // Kept between units of work: it must not hold on to this unit's transaction.
                    command.Transaction = null;
                }
                else
                {
                    commands.Forget(batch, command);
                    command.Parameters.Clear();
                    await command.DisposeAsync().ConfigureAwait(false);
                }
            }

            await connection.CloseAsync().ConfigureAwait(false);
        }
    }

    // The command to run and whether it may be kept: the kept one for this shape (made now if there is none), bound
    // to this execution's values, transaction and timeout, then passed to the CommandInitialized interceptors.
    private (DbCommand Command, bool Keep) Initialize(
        LedgerDbContext db, IRelationalConnection connection, IRelationalCommandDiagnosticsLogger logger, CompiledWrites batch, SlotValues values,
        Guid commandId, DateTimeOffset startTime, long started)
    {
        DbCommand command;
        var keep = true;
        if (_kept.TryGetValue(batch, out var kept))
        {
            command = kept.Command;
        }
        else
        {
            var creating = logger.CommandCreating(
                connection, DbCommandMethod.ExecuteNonQuery, db, commandId, connection.ConnectionId, startTime, CommandSource.ExecuteSqlRaw);
            var made = creating.HasResult ? creating.Result : connection.DbConnection.CreateCommand();
            command = logger.CommandCreated(
                connection, made, DbCommandMethod.ExecuteNonQuery, db, commandId, connection.ConnectionId, startTime, Stopwatch.GetElapsedTime(started), CommandSource.ExecuteSqlRaw);
            command.CommandText = batch.Sql;
            for (var i = 0; i < batch.Columns.Length; i++)
            {
                command.Parameters.Add(batch.Columns[i].Mapping.CreateParameter(command, batch.Names[i], null, batch.Columns[i].IsNullable));
            }

            // A command an interceptor supplied or replaced is the interceptor's: used once, like every command EF Core creates.
            keep = !creating.HasResult && ReferenceEquals(command, made);
            kept = new Kept(command, command.CommandTimeout);
            if (keep)
            {
                _kept[batch] = kept;
            }
        }

        command.Transaction = connection.CurrentTransaction?.GetDbTransaction();
        command.CommandTimeout = connection.CommandTimeout ?? kept.DefaultTimeout;

        for (var i = 0; i < batch.Columns.Length; i++)
        {
            var column = batch.Columns[i];
            var value = values.At(i);
            if (column.Mapping.Size is not null)
            {
                // A sized mapping configures its parameter from the value (EF Core's string and binary mappings): a new one.
                command.Parameters[i] = column.Mapping.CreateParameter(command, batch.Names[i], value, column.IsNullable);
                continue;
            }

            if (value is not null && column.Mapping.Converter is { } converter)
            {
                value = converter.ConvertToProvider(value);
            }

            command.Parameters[i].Value = value ?? DBNull.Value;
        }

        var initialized = logger.CommandInitialized(
            connection, command, DbCommandMethod.ExecuteNonQuery, db, commandId, connection.ConnectionId, startTime, Stopwatch.GetElapsedTime(started), CommandSource.ExecuteSqlRaw);
        if (!ReferenceEquals(initialized, command) || !string.Equals(initialized.CommandText, batch.Sql, StringComparison.Ordinal))
        {
            // Replaced or rewritten by an interceptor: run what it gave, once. A kept command it rewrote is not kept;
            // one it replaced stays kept, without this unit's transaction.
            if (ReferenceEquals(initialized, command))
            {
                Forget(batch, command);
            }
            else
            {
                command.Transaction = null;
            }

            return (initialized, false);
        }

        return (command, keep);
    }

    private void Forget(CompiledWrites batch, DbCommand command)
    {
        if (_kept.TryGetValue(batch, out var kept) && ReferenceEquals(kept.Command, command))
        {
            _kept.Remove(batch);
        }
    }

    private void ForgetShape(CompiledWrites batch)
    {
        if (_kept.Remove(batch, out var kept))
        {
            kept.Command.Dispose();
        }
    }

    // A kept command, and the timeout it had when it was made (the connection's default), for runs whose context sets none.
    private sealed record Kept(DbCommand Command, int DefaultTimeout);
}
