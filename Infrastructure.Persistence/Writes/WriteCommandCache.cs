using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>
/// The write-batch commands kept per connection, one per batch shape: a record-fill binds its values into a command
/// made once instead of a new command and parameter per value (EF Core's way, most of the ledger's cost over raw ADO.NET).
/// Each run goes through EF Core's command diagnostics like its own commands, so interceptors and logging see it; a
/// command an interceptor supplied, replaced or rewrote, or whose run failed, is used once and never kept.
/// </summary>
internal sealed class WriteCommandCache
{
    private static readonly ConditionalWeakTable<DbConnection, WriteCommandCache> ByConnection = [];

    private readonly Dictionary<CompiledBatch, CachedCommand> _cached = new(ReferenceEqualityComparer.Instance);

    /// <summary>How many write commands are kept for <paramref name="connection"/>.</summary>
    public static int CountFor(DbConnection connection) => ByConnection.TryGetValue(connection, out var commands) ? commands._cached.Count : 0;

    /// <summary>Runs <paramref name="batch"/> with <paramref name="values"/> on <paramref name="db"/>'s connection; returns the rows written.</summary>
    public static async Task<int> ExecuteNonQueryAsync(LedgerDbContext db, CompiledBatch batch, ParameterValues values, CancellationToken cancellationToken)
    {
        var connection = db.GetService<IRelationalConnection>();
        var logger = db.GetService<IRelationalCommandDiagnosticsLogger>();
        var commandId = Guid.NewGuid();
        var startTime = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var commands = ByConnection.GetValue(connection.DbConnection, static _ => new WriteCommandCache());
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
        LedgerDbContext db, IRelationalConnection connection, IRelationalCommandDiagnosticsLogger logger, CompiledBatch batch, ParameterValues values,
        Guid commandId, DateTimeOffset startTime, long started)
    {
        DbCommand command;
        var keep = true;
        if (_cached.TryGetValue(batch, out var cached))
        {
            command = cached.Command;
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
            cached = new CachedCommand(command, command.CommandTimeout);
            if (keep)
            {
                _cached[batch] = cached;
            }
        }

        command.Transaction = connection.CurrentTransaction?.GetDbTransaction();
        command.CommandTimeout = connection.CommandTimeout ?? cached.DefaultTimeout;

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

    private void Forget(CompiledBatch batch, DbCommand command)
    {
        if (_cached.TryGetValue(batch, out var cached) && ReferenceEquals(cached.Command, command))
        {
            _cached.Remove(batch);
        }
    }

    private void ForgetShape(CompiledBatch batch)
    {
        if (_cached.Remove(batch, out var cached))
        {
            cached.Command.Dispose();
        }
    }

    // A kept command, and the timeout it had when it was made (the connection's default), for runs whose context sets none.
    private sealed record CachedCommand(DbCommand Command, int DefaultTimeout);
}
