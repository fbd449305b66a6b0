using Microsoft.Data.Sqlite;

namespace TradingBot.Infrastructure.Exchanges.Paper;

/// <summary>
/// The paper exchange's book in a SQLite file: one row for the account, one per symbol, and tables of orders, trades
/// and funding payments with the indexes the exchange's questions need (client order id, open orders, trades of a
/// symbol by time, payments by time). Each call is one <c>BEGIN IMMEDIATE</c> transaction, so several processes share
/// the file (two workers of one ledger, one taking over from the other) without losing each other's orders, and a
/// committed call survives the process being killed (WAL, <c>synchronous=FULL</c>).
/// </summary>
internal sealed class SqlitePaperBook : IPaperBook
{
    /// <summary>The schema's version, kept in <c>PRAGMA user_version</c>.</summary>
    private const int Format = 3;

    private const string OrderColumns =
        "o.order_id, o.client_order_id, o.symbol, o.side, o.type, o.quantity_units, o.price_units, o.stop_price_units, o.reduce_only, o.filled_units, o.status, o.updated_at, o.visible_at";

    private const string TradeColumns =
        "t.trade_id, t.order_id, t.client_order_id, t.symbol, t.side, t.price_units, t.quantity_units, t.fee_units, t.time";

    private const string ByClientIdSql = $"SELECT {OrderColumns} FROM paper_orders o WHERE o.symbol = $symbol AND o.client_order_id = $client ORDER BY o.order_id DESC";
    private const string ByIdSql = $"SELECT {OrderColumns} FROM paper_orders o WHERE o.order_id = $id AND o.symbol = $symbol";
    private const string OpenSql = $"SELECT {OrderColumns} FROM paper_orders o WHERE o.status IN ('NEW', 'PARTIALLY_FILLED') ORDER BY o.order_id";
    private const string OpenOfSymbolSql = $"SELECT {OrderColumns} FROM paper_orders o WHERE +o.symbol = $symbol AND o.status IN ('NEW', 'PARTIALLY_FILLED') ORDER BY o.order_id"; // "+": through the open orders, not all of the symbol's
    private const string TradesSinceSql = $"SELECT {TradeColumns}, {OrderColumns} FROM paper_trades t JOIN paper_orders o ON o.order_id = t.order_id WHERE t.symbol = $symbol AND t.time >= $since ORDER BY t.time, t.trade_id";
    private const string FundingSinceSql = "SELECT id, symbol, amount_units, time FROM paper_funding WHERE time >= $since ORDER BY time, id";

    /// <summary>
    /// The questions a call of the exchange asks, each of which must be answered through an index so that its cost
    /// follows what it returns, not the history (<c>$symbol</c>, <c>$client</c>, <c>$id</c> and <c>$since</c> bound), with
    /// the index that must answer it. Opening the book and <see cref="Everything"/> read more, once or for an auditor.
    /// </summary>
    internal static IReadOnlyList<(string Name, string Sql, string Index)> CallQueries { get; } =
    [
        ("order by client order id", ByClientIdSql, "paper_orders_client_order_id"),
        ("order by exchange order id", ByIdSql, "INTEGER PRIMARY KEY"),
        ("open orders", OpenSql, "paper_orders_open"),
        ("open orders of a symbol", OpenOfSymbolSql, "paper_orders_open"),
        ("trades of a symbol since", TradesSinceSql, "paper_trades_symbol_time"),
        ("funding payments since", FundingSinceSql, "paper_funding_time"),
    ];

    private readonly SqliteConnection _connection;
    private readonly string _path;
    private readonly Dictionary<long, PaperOrder> _orders = [];

    // What this call read, to write back only what it changed: a call that changed nothing writes nothing.
    private readonly Dictionary<string, long[]> _readSymbols = new(StringComparer.Ordinal);
    private readonly Dictionary<long, long[]> _readOrders = [];
    private long[]? _readAccount;
    private readonly List<PaperTrade> _newTrades = [];
    private readonly List<PaperFunding> _newFunding = [];
    private SqliteTransaction? _transaction;

    private SqlitePaperBook(string path, SqliteConnection connection)
    {
        _path = path;
        _connection = connection;
    }

    /// <summary>
    /// Opens the book at <paramref name="path"/>, creating it with <paramref name="create"/>'s account when it is new. A
    /// state file of the earlier JSON format at the path (or, for a path ending in .db, beside it as the same name ending
    /// in .json) is carried over whole first, and the JSON file kept renamed. Every step of carrying it over can be cut
    /// short by a crash: the next opening finishes it or starts it again, and never starts a fresh account while an
    /// earlier one exists.
    /// </summary>
    public static SqlitePaperBook Open(string path, Func<PaperState> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using (PaperStateFile.Lock(full))
        {
            FinishImport(full);
            var inPlace = StartsLikeJson(full);
            var target = inPlace ? full + ".importing" : full;
            var created = !File.Exists(target);
            var renamed = false;
            SqlitePaperBook? book = null;
            try
            {
                book = new SqlitePaperBook(full, Connect(target));
                book.CreateSchema();
                book._transaction = book._connection.BeginTransaction();
                var stored = book.ReadAccount() is not null;
                if (stored && !inPlace)
                {
                    book.Abandon();
                    return book;
                }

                var beside = Path.ChangeExtension(full, ".json");
                var legacy = inPlace ? full : !string.Equals(beside, full, StringComparison.Ordinal) && File.Exists(beside) ? beside : null;
                if (legacy is null)
                {
                    book.Commit(create());
                    return book;
                }

                // An earlier version's worker holds this lock during each of its calls: none is half-way while the file is read.
                using (legacy == full ? null : PaperStateFile.Lock(legacy))
                {
                    if (stored)
                    {
                        book.Abandon(); // carried over already, by an opening cut short before the renames
                    }
                    else
                    {
                        book.Import(PaperStateFile.Load(legacy)!);
                    }

                    book.Dispose();

                    // The JSON file is kept as it was, under a name that says it was carried over.
                    File.Move(legacy, legacy + (inPlace ? ".v1.json" : ".imported"), overwrite: true);
                    renamed = true;
                }

                FinishImport(full);
                return new SqlitePaperBook(full, Connect(full));
            }
            catch (Exception exception)
            {
                book?.Dispose();
                if (created && !renamed)
                {
                    DeleteDatabase(target); // nothing half-made stays behind: the next start tries again from the same files
                }

                if (exception is SqliteException sqlite)
                {
                    throw new InvalidDataException($"the paper exchange state '{full}' cannot be opened as one: {sqlite.Message}", sqlite);
                }

                throw;
            }
        }
    }

    // A JSON state carried over in place is built as "<path>.importing" and moved to the path once the JSON file is
    // renamed: when the path is missing, an .importing file holding an account is that state; one without is dropped.
    private static void FinishImport(string full)
    {
        var importing = full + ".importing";
        if (File.Exists(full) || !File.Exists(importing))
        {
            return;
        }

        bool complete;
        using (var connection = Connect(importing))
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT EXISTS (SELECT 1 FROM paper_account)";
            try
            {
                complete = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
            }
            catch (SqliteException)
            {
                complete = false; // no table yet: the import never committed
            }

            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }

        if (complete)
        {
            File.Move(importing, full);
        }
        else
        {
            DeleteDatabase(importing);
        }
    }

    private static void DeleteDatabase(string path)
    {
        foreach (var file in (string[])[path, path + "-wal", path + "-shm"])
        {
            File.Delete(file);
        }
    }

    private static bool StartsLikeJson(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var stream = File.OpenRead(path);
        return stream.ReadByte() == '{';
    }

    private static SqliteConnection Connect(string path, bool readOnly = false)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString());
        try
        {
            connection.Open();
            if (!readOnly)
            {
                Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void CreateSchema()
    {
        var version = Convert.ToInt32(Scalar("PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);
        if (version == Format)
        {
            return;
        }

        if (version == 2)
        {
            // Format 3 keeps the clock's speed: a restart at another speed would move the simulated clock (back, if slower).
            Execute(_connection, $$"""
                BEGIN IMMEDIATE;
                ALTER TABLE paper_account ADD COLUMN speed INTEGER;
                PRAGMA user_version = {{Format}};
                COMMIT;
                """);
            return;
        }

        if (version != 0)
        {
            throw new InvalidDataException($"the paper exchange state '{_path}' has format {version}; this version reads format {Format}");
        }

        Execute(_connection, $$"""
            BEGIN IMMEDIATE;
            CREATE TABLE IF NOT EXISTS paper_account (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                seed INTEGER NOT NULL,
                real_origin INTEGER NOT NULL,
                virtual_origin INTEGER NOT NULL,
                next_order_id INTEGER NOT NULL,
                next_trade_id INTEGER NOT NULL,
                wallet_units INTEGER NOT NULL,
                speed INTEGER);
            CREATE TABLE IF NOT EXISTS paper_symbols (
                symbol TEXT PRIMARY KEY,
                step INTEGER NOT NULL,
                mark_units INTEGER NOT NULL,
                index_units INTEGER NOT NULL,
                funding_rate_units INTEGER NOT NULL,
                net_quantity_units INTEGER NOT NULL,
                entry_notional_units INTEGER NOT NULL,
                realized_units INTEGER NOT NULL,
                last_funding_time INTEGER NOT NULL,
                lowest_net_quantity_units INTEGER NOT NULL,
                highest_net_quantity_units INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS paper_orders (
                order_id INTEGER PRIMARY KEY,
                client_order_id TEXT NOT NULL,
                symbol TEXT NOT NULL,
                side TEXT NOT NULL,
                type TEXT NOT NULL,
                quantity_units INTEGER NOT NULL,
                price_units INTEGER,
                stop_price_units INTEGER,
                reduce_only INTEGER NOT NULL,
                filled_units INTEGER NOT NULL,
                status TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                visible_at INTEGER);
            CREATE INDEX IF NOT EXISTS paper_orders_client_order_id ON paper_orders (symbol, client_order_id, order_id);
            CREATE INDEX IF NOT EXISTS paper_orders_open ON paper_orders (order_id) WHERE status IN ('NEW', 'PARTIALLY_FILLED');
            CREATE TABLE IF NOT EXISTS paper_trades (
                trade_id INTEGER PRIMARY KEY,
                order_id INTEGER NOT NULL REFERENCES paper_orders (order_id),
                client_order_id TEXT NOT NULL,
                symbol TEXT NOT NULL,
                side TEXT NOT NULL,
                price_units INTEGER NOT NULL,
                quantity_units INTEGER NOT NULL,
                fee_units INTEGER NOT NULL,
                time INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS paper_trades_symbol_time ON paper_trades (symbol, time);
            CREATE TABLE IF NOT EXISTS paper_funding (
                id TEXT PRIMARY KEY,
                symbol TEXT NOT NULL,
                amount_units INTEGER NOT NULL,
                time INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS paper_funding_time ON paper_funding (time, id);
            PRAGMA user_version = {{Format}};
            COMMIT;
            """);
    }

    public PaperState Begin()
    {
        _transaction ??= _connection.BeginTransaction(); // BEGIN IMMEDIATE: waits (up to DefaultTimeout) for another process's call
        return ReadAccount() ?? throw new InvalidDataException($"the paper exchange state '{_path}' has no account");
    }

    private PaperState? ReadAccount()
    {
        PaperState? state;
        using (var command = Command("SELECT seed, real_origin, virtual_origin, next_order_id, next_trade_id, wallet_units, speed FROM paper_account WHERE id = 1"))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            state = new PaperState
            {
                Seed = reader.GetInt32(0),
                RealOrigin = Time(reader.GetInt64(1)),
                VirtualOrigin = Time(reader.GetInt64(2)),
                NextOrderId = reader.GetInt64(3),
                NextTradeId = reader.GetInt64(4),
                WalletUnits = reader.GetInt64(5),
                Speed = reader.IsDBNull(6) ? null : reader.GetInt32(6),
            };
        }

        using (var command = Command("SELECT symbol, step, mark_units, index_units, funding_rate_units, net_quantity_units, entry_notional_units, realized_units, last_funding_time, lowest_net_quantity_units, highest_net_quantity_units FROM paper_symbols"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                state.Symbols[reader.GetString(0)] = new PaperSymbolState
                {
                    Step = reader.GetInt64(1),
                    MarkUnits = reader.GetInt64(2),
                    IndexUnits = reader.GetInt64(3),
                    FundingRateUnits = reader.GetInt64(4),
                    NetQuantityUnits = reader.GetInt64(5),
                    EntryNotionalUnits = reader.GetInt64(6),
                    RealizedUnits = reader.GetInt64(7),
                    LastFundingTime = reader.GetInt64(8),
                    LowestNetQuantityUnits = reader.GetInt64(9),
                    HighestNetQuantityUnits = reader.GetInt64(10),
                };
            }
        }

        _readAccount = AccountValues(state);
        foreach (var (symbol, values) in state.Symbols)
        {
            _readSymbols[symbol] = SymbolValues(values);
        }

        return state;
    }

    private static long[] AccountValues(PaperState state) => [state.NextOrderId, state.NextTradeId, state.WalletUnits, state.Speed ?? 0];

    private static long[] SymbolValues(PaperSymbolState s) =>
        [s.Step, s.MarkUnits, s.IndexUnits, s.FundingRateUnits, s.NetQuantityUnits, s.EntryNotionalUnits, s.RealizedUnits, s.LastFundingTime, s.LowestNetQuantityUnits, s.HighestNetQuantityUnits];

    private static readonly string[] Statuses = ["NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"];

    private static long[] OrderValues(PaperOrder o) => [o.FilledUnits, Array.IndexOf(Statuses, o.Status), o.UpdatedAt.UtcTicks, o.VisibleAt?.UtcTicks ?? -1];

    private static bool Unchanged(long[]? read, long[] now) => read is not null && read.AsSpan().SequenceEqual(now);

    public void Commit(PaperState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (_transaction is null)
        {
            throw new InvalidOperationException("no call of the paper exchange is under way");
        }

        try
        {
            if (!Unchanged(_readAccount, AccountValues(state)))
            {
                Run(
                    "INSERT INTO paper_account (id, seed, real_origin, virtual_origin, next_order_id, next_trade_id, wallet_units, speed) VALUES (1, $seed, $real, $virtual, $nextOrder, $nextTrade, $wallet, $speed) " +
                    "ON CONFLICT (id) DO UPDATE SET next_order_id = excluded.next_order_id, next_trade_id = excluded.next_trade_id, wallet_units = excluded.wallet_units, speed = excluded.speed",
                    ("$seed", state.Seed), ("$real", state.RealOrigin.UtcTicks), ("$virtual", state.VirtualOrigin.UtcTicks),
                    ("$nextOrder", state.NextOrderId), ("$nextTrade", state.NextTradeId), ("$wallet", state.WalletUnits), ("$speed", (object?)state.Speed ?? DBNull.Value));
            }

            foreach (var (symbol, s) in state.Symbols.Where(kv => !Unchanged(_readSymbols.GetValueOrDefault(kv.Key), SymbolValues(kv.Value))))
            {
                Run(
                    "INSERT INTO paper_symbols (symbol, step, mark_units, index_units, funding_rate_units, net_quantity_units, entry_notional_units, realized_units, last_funding_time, lowest_net_quantity_units, highest_net_quantity_units) " +
                    "VALUES ($symbol, $step, $mark, $index, $rate, $net, $entry, $realized, $funding, $lowest, $highest) " +
                    "ON CONFLICT (symbol) DO UPDATE SET step = excluded.step, mark_units = excluded.mark_units, index_units = excluded.index_units, funding_rate_units = excluded.funding_rate_units, " +
                    "net_quantity_units = excluded.net_quantity_units, entry_notional_units = excluded.entry_notional_units, realized_units = excluded.realized_units, " +
                    "last_funding_time = excluded.last_funding_time, lowest_net_quantity_units = excluded.lowest_net_quantity_units, highest_net_quantity_units = excluded.highest_net_quantity_units",
                    ("$symbol", symbol), ("$step", s.Step), ("$mark", s.MarkUnits), ("$index", s.IndexUnits), ("$rate", s.FundingRateUnits),
                    ("$net", s.NetQuantityUnits), ("$entry", s.EntryNotionalUnits), ("$realized", s.RealizedUnits), ("$funding", s.LastFundingTime),
                    ("$lowest", s.LowestNetQuantityUnits), ("$highest", s.HighestNetQuantityUnits));
            }

            foreach (var order in _orders.Values.Where(o => !Unchanged(_readOrders.GetValueOrDefault(o.OrderId), OrderValues(o))).OrderBy(o => o.OrderId))
            {
                Run(
                    "INSERT INTO paper_orders (order_id, client_order_id, symbol, side, type, quantity_units, price_units, stop_price_units, reduce_only, filled_units, status, updated_at, visible_at) " +
                    "VALUES ($id, $client, $symbol, $side, $type, $quantity, $price, $stop, $reduceOnly, $filled, $status, $updated, $visible) " +
                    "ON CONFLICT (order_id) DO UPDATE SET filled_units = excluded.filled_units, status = excluded.status, updated_at = excluded.updated_at, visible_at = excluded.visible_at",
                    ("$id", order.OrderId), ("$client", order.ClientOrderId), ("$symbol", order.Symbol), ("$side", order.Side), ("$type", order.Type),
                    ("$quantity", order.QuantityUnits), ("$price", order.PriceUnits), ("$stop", order.StopPriceUnits), ("$reduceOnly", order.ReduceOnly ? 1 : 0),
                    ("$filled", order.FilledUnits), ("$status", order.Status), ("$updated", order.UpdatedAt.UtcTicks), ("$visible", order.VisibleAt?.UtcTicks));
            }

            foreach (var trade in _newTrades)
            {
                Run(
                    "INSERT INTO paper_trades (trade_id, order_id, client_order_id, symbol, side, price_units, quantity_units, fee_units, time) VALUES ($id, $order, $client, $symbol, $side, $price, $quantity, $fee, $time)",
                    ("$id", trade.TradeId), ("$order", trade.OrderId), ("$client", trade.ClientOrderId), ("$symbol", trade.Symbol), ("$side", trade.Side),
                    ("$price", trade.PriceUnits), ("$quantity", trade.QuantityUnits), ("$fee", trade.FeeUnits), ("$time", trade.Time.UtcTicks));
            }

            foreach (var funding in _newFunding)
            {
                Run(
                    "INSERT INTO paper_funding (id, symbol, amount_units, time) VALUES ($id, $symbol, $amount, $time)",
                    ("$id", funding.Id), ("$symbol", funding.Symbol), ("$amount", funding.AmountUnits), ("$time", funding.Time.UtcTicks));
            }

            _transaction.Commit();
        }
        finally
        {
            Forget();
        }
    }

    public void Abandon()
    {
        try
        {
            _transaction?.Rollback();
        }
        finally
        {
            Forget();
        }
    }

    private void Forget()
    {
        _transaction?.Dispose();
        _transaction = null;
        _orders.Clear();
        _readOrders.Clear();
        _readSymbols.Clear();
        _readAccount = null;
        _newTrades.Clear();
        _newFunding.Clear();
    }

    public PaperOrder? FindByClientId(string symbol, string clientOrderId, Func<PaperOrder, bool> accept) =>
        AddedThisCall().Where(o => o.Symbol == symbol && o.ClientOrderId == clientOrderId)
            .Concat(Orders(ByClientIdSql, ("$symbol", symbol), ("$client", clientOrderId)))
            .OrderByDescending(o => o.OrderId)
            .FirstOrDefault(accept);

    public PaperOrder? FindById(string symbol, long orderId) =>
        Orders(ByIdSql, ("$id", orderId), ("$symbol", symbol)).FirstOrDefault();

    // What was open when stored may have filled in this call (a resting order the price crossed), and what this call
    // placed is not stored yet: the live objects decide.
    public IReadOnlyList<PaperOrder> Open(string? symbol) =>
        [.. AddedThisCall().Where(o => symbol is null || o.Symbol == symbol)
            .Concat(symbol is null ? Orders(OpenSql) : Orders(OpenOfSymbolSql, ("$symbol", symbol)))
            .Where(o => o.IsOpen)
            .OrderBy(o => o.OrderId)];

    // Orders this call added (read ones are in _readOrders), before they are stored at its commit.
    private List<PaperOrder> AddedThisCall() => [.. _orders.Values.Where(o => !_readOrders.ContainsKey(o.OrderId))];

    public bool AnyClientIdStartingWith(string prefix)
    {
        using var command = Command("SELECT EXISTS (SELECT 1 FROM paper_orders WHERE substr(client_order_id, 1, length($prefix)) = $prefix)");
        command.Parameters.AddWithValue("$prefix", prefix);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    public void Add(PaperOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        _orders.Add(order.OrderId, order);
    }

    public void Add(PaperTrade trade) => _newTrades.Add(trade);

    public void Add(PaperFunding funding) => _newFunding.Add(funding);

    public IReadOnlyList<(PaperTrade Trade, PaperOrder Order)> TradesSince(string symbol, DateTimeOffset since)
    {
        // This call's own trades are not stored yet: the stored ones first, then those, both by time.
        var stored = new List<(PaperTrade, PaperOrder)>();
        using (var command = Command(TradesSinceSql))
        {
            command.Parameters.AddWithValue("$symbol", symbol);
            command.Parameters.AddWithValue("$since", since.UtcTicks);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var order = ReadOrder(reader, 9);
                stored.Add((ReadTrade(reader), _orders.TryGetValue(order.OrderId, out var known) ? known : order));
            }
        }

        stored.AddRange(_newTrades.Where(t => t.Symbol == symbol && t.Time >= since).Select(t => (t, _orders[t.OrderId])));
        return stored;
    }

    public IReadOnlyList<PaperFunding> FundingSince(DateTimeOffset since)
    {
        var payments = new List<PaperFunding>();
        using (var command = Command(FundingSinceSql))
        {
            command.Parameters.AddWithValue("$since", since.UtcTicks);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                payments.Add(new PaperFunding { Id = reader.GetString(0), Symbol = reader.GetString(1), AmountUnits = reader.GetInt64(2), Time = Time(reader.GetInt64(3)) });
            }
        }

        return [.. payments.Concat(_newFunding.Where(f => f.Time >= since)).OrderBy(f => f.Time)];
    }

    public (IReadOnlyList<PaperOrder> Orders, IReadOnlyList<PaperTrade> Trades, IReadOnlyList<PaperFunding> Funding) Everything()
    {
        _ = Orders($"SELECT {OrderColumns} FROM paper_orders o"); // every order, now in this call's map with the ones it added
        var trades = new List<PaperTrade>();
        using (var command = Command($"SELECT {TradeColumns} FROM paper_trades t ORDER BY t.trade_id"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                trades.Add(ReadTrade(reader));
            }
        }

        trades.AddRange(_newTrades);
        return ([.. _orders.Values.OrderBy(o => o.OrderId)], trades, FundingSince(DateTimeOffset.MinValue));
    }

    public void Dispose()
    {
        _transaction?.Dispose();
        _transaction = null;
        _connection.Dispose();
    }

    // Carries a JSON state over whole, in this book's open transaction.
    private void Import(PaperState legacy)
    {
        foreach (var order in legacy.Orders)
        {
            _orders.Add(order.OrderId, order);
        }

        _newTrades.AddRange(legacy.Trades);
        _newFunding.AddRange(legacy.Funding);
        Commit(legacy);
    }

    // Orders read by this call are the same objects every time they are read again, and stored at its commit.
    private List<PaperOrder> Orders(string sql, params (string Name, object Value)[] parameters)
    {
        var found = new List<PaperOrder>();
        using (var command = Command(sql))
        {
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var order = ReadOrder(reader, 0);
                if (!_orders.TryGetValue(order.OrderId, out var known))
                {
                    _orders.Add(order.OrderId, known = order);
                    _readOrders[order.OrderId] = OrderValues(order);
                }

                found.Add(known);
            }
        }

        return found;
    }

    private static PaperOrder ReadOrder(SqliteDataReader reader, int at) => new()
    {
        OrderId = reader.GetInt64(at),
        ClientOrderId = reader.GetString(at + 1),
        Symbol = reader.GetString(at + 2),
        Side = reader.GetString(at + 3),
        Type = reader.GetString(at + 4),
        QuantityUnits = reader.GetInt64(at + 5),
        PriceUnits = reader.IsDBNull(at + 6) ? null : reader.GetInt64(at + 6),
        StopPriceUnits = reader.IsDBNull(at + 7) ? null : reader.GetInt64(at + 7),
        ReduceOnly = reader.GetInt64(at + 8) != 0,
        FilledUnits = reader.GetInt64(at + 9),
        Status = reader.GetString(at + 10),
        UpdatedAt = Time(reader.GetInt64(at + 11)),
        VisibleAt = reader.IsDBNull(at + 12) ? null : Time(reader.GetInt64(at + 12)),
    };

    private static PaperTrade ReadTrade(SqliteDataReader reader) => new()
    {
        TradeId = reader.GetInt64(0),
        OrderId = reader.GetInt64(1),
        ClientOrderId = reader.GetString(2),
        Symbol = reader.GetString(3),
        Side = reader.GetString(4),
        PriceUnits = reader.GetInt64(5),
        QuantityUnits = reader.GetInt64(6),
        FeeUnits = reader.GetInt64(7),
        Time = Time(reader.GetInt64(8)),
    };

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _transaction;
        return command;
    }

    private object? Scalar(string sql)
    {
        using var command = Command(sql);
        return command.ExecuteScalar();
    }

    private void Run(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
