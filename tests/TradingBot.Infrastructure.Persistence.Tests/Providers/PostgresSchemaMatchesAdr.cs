using TradingBot.Infrastructure.Persistence.Tests.Support;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>The migrated Postgres schema is ADR-0005's: types, NOT NULLs, defaults, CHECKs, UNIQUEs, the foreign key and the named indexes.</summary>
[TestFixture]
public sealed class PostgresSchemaMatchesAdr
{
    private LedgerTestDatabase _db = null!;

    [SetUp]
    public async Task CreateAsync() => _db = await TestServers.NewPostgresLedgerAsync();

    [TearDown]
    public async Task DropAsync() => await _db.DisposeAsync();

    // table, column, data type, nullable, default fragment (null: no default)
    [TestCase("orders", "id", "uuid", false, "gen_random_uuid()")]
    [TestCase("orders", "exchange", "text", false, null)]
    [TestCase("orders", "symbol", "text", false, null)]
    [TestCase("orders", "side", "text", false, null)]
    [TestCase("orders", "type", "text", false, null)]
    [TestCase("orders", "quantity_base", "bigint", false, null)]
    [TestCase("orders", "price_quote", "bigint", true, null)]
    [TestCase("orders", "status", "text", false, null)]
    [TestCase("orders", "exchange_order_id", "text", true, null)]
    [TestCase("orders", "idempotency_key", "text", true, null)]
    [TestCase("orders", "created_at", "timestamp with time zone", true, "now()")]
    [TestCase("orders", "updated_at", "timestamp with time zone", true, "now()")]
    [TestCase("fills", "id", "uuid", false, "gen_random_uuid()")]
    [TestCase("fills", "order_id", "uuid", true, null)]
    [TestCase("fills", "exchange_fill_id", "text", false, null)]
    [TestCase("fills", "price_quote", "bigint", false, null)]
    [TestCase("fills", "quantity_base", "bigint", false, null)]
    [TestCase("fills", "fee_quote", "bigint", false, null)]
    [TestCase("fills", "fee_asset", "text", false, null)]
    [TestCase("fills", "filled_at", "timestamp with time zone", false, null)]
    [TestCase("fills", "created_at", "timestamp with time zone", true, "now()")]
    [TestCase("state_snapshots", "id", "uuid", false, "gen_random_uuid()")]
    [TestCase("state_snapshots", "snapshot", "jsonb", false, null)]
    [TestCase("state_snapshots", "reconciled_at", "timestamp with time zone", false, null)]
    [TestCase("state_snapshots", "created_at", "timestamp with time zone", true, "now()")]
    [TestCase("audit_log", "id", "uuid", false, "gen_random_uuid()")]
    [TestCase("audit_log", "event_type", "text", false, null)]
    [TestCase("audit_log", "event_data", "jsonb", false, null)]
    [TestCase("audit_log", "created_at", "timestamp with time zone", true, "now()")]
    [TestCase("funding_snapshots", "id", "uuid", false, "gen_random_uuid()")]
    [TestCase("funding_snapshots", "exchange", "text", false, null)]
    [TestCase("funding_snapshots", "symbol", "text", false, null)]
    [TestCase("funding_snapshots", "funding_rate_bps", "bigint", false, null)]
    [TestCase("funding_snapshots", "mark_price_quote", "bigint", false, null)]
    [TestCase("funding_snapshots", "index_price_quote", "bigint", false, null)]
    [TestCase("funding_snapshots", "snapshot_at", "timestamp with time zone", false, null)]
    [TestCase("funding_snapshots", "created_at", "timestamp with time zone", true, "now()")]
    public async Task Each_adr_column_has_its_type_nullability_and_default(string table, string column, string type, bool nullable, string? defaultFragment)
    {
        var rows = await _db.StringsAsync($"SELECT data_type || '|' || is_nullable || '|' || COALESCE(column_default, '') FROM information_schema.columns WHERE table_name = '{table}' AND column_name = '{column}'");

        Assert.That(rows, Has.Count.EqualTo(1), $"{table}.{column} is missing");
        var parts = rows[0].Split('|');
        using (Assert.EnterMultipleScope())
        {
            Assert.That(parts[0], Is.EqualTo(type));
            Assert.That(parts[1], Is.EqualTo(nullable ? "YES" : "NO"));
            if (defaultFragment is null)
            {
                Assert.That(parts[2], Is.Empty.Or.EqualTo("0"));
            }
            else
            {
                Assert.That(parts[2], Does.Contain(defaultFragment));
            }
        }
    }

    [TestCase("idx_orders_created_at", "ON public.orders USING btree (created_at DESC)")]
    [TestCase("idx_orders_status", "ON public.orders USING btree (status) WHERE (status = ANY (ARRAY['OPEN'::text, 'PENDING'::text]))")]
    [TestCase("idx_orders_exchange_order_id", "ON public.orders USING btree (exchange_order_id) WHERE (exchange_order_id IS NOT NULL)")]
    [TestCase("idx_orders_idempotency_key", "ON public.orders USING btree (idempotency_key) WHERE (idempotency_key IS NOT NULL)")]
    [TestCase("idx_fills_order_id", "ON public.fills USING btree (order_id)")]
    [TestCase("idx_fills_filled_at", "ON public.fills USING btree (filled_at DESC)")]
    [TestCase("idx_fills_exchange_fill_id", "ON public.fills USING btree (exchange_fill_id)")]
    [TestCase("idx_state_snapshots_reconciled_at", "ON public.state_snapshots USING btree (reconciled_at DESC)")]
    [TestCase("idx_audit_log_created_at", "ON public.audit_log USING btree (created_at DESC)")]
    [TestCase("idx_audit_log_event_type", "ON public.audit_log USING btree (event_type)")]
    [TestCase("idx_audit_log_event_type_created_at", "ON public.audit_log USING btree (event_type, created_at DESC)")]
    [TestCase("idx_funding_snapshots_symbol_snapshot_at", "ON public.funding_snapshots USING btree (exchange, symbol, snapshot_at DESC)")]
    [TestCase("idx_funding_snapshots_snapshot_at", "ON public.funding_snapshots USING btree (snapshot_at DESC)")]
    [TestCase("orders_exchange_order_id_key", "CREATE UNIQUE INDEX orders_exchange_order_id_key ON public.orders USING btree (exchange_order_id)")]
    [TestCase("orders_idempotency_key_key", "CREATE UNIQUE INDEX orders_idempotency_key_key ON public.orders USING btree (idempotency_key)")]
    [TestCase("fills_exchange_fill_id_key", "CREATE UNIQUE INDEX fills_exchange_fill_id_key ON public.fills USING btree (exchange_fill_id)")]
    public async Task Each_named_index_has_the_adr_definition(string name, string definition)
    {
        var rows = await _db.StringsAsync($"SELECT indexdef FROM pg_indexes WHERE indexname = '{name}'");

        Assert.That(rows, Has.Count.EqualTo(1).And.One.EndsWith(definition));
    }

    [TestCase("orders_side_check", "side = ANY (ARRAY['BUY'::text, 'SELL'::text])")]
    [TestCase("orders_type_check", "type = ANY (ARRAY['MARKET'::text, 'LIMIT'::text, 'IOC'::text, 'FOK'::text])")]
    [TestCase("orders_status_check", "'PENDING'::text, 'OPEN'::text, 'FILLED'::text, 'PARTIALLY_FILLED'::text, 'CANCELLED'::text, 'REJECTED'::text")]
    public async Task Each_adr_check_constraint_exists(string name, string fragment)
    {
        var rows = await _db.StringsAsync($"SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = '{name}' AND contype = 'c'");

        Assert.That(rows, Has.Count.EqualTo(1).And.One.Contains(fragment));
    }

    // The ADR's TEXT UNIQUE columns are UNIQUE constraints with Postgres's own names, as are the ledger's two of the same style.
    [TestCase("orders_exchange_order_id_key", "orders", "UNIQUE (exchange_order_id)")]
    [TestCase("orders_idempotency_key_key", "orders", "UNIQUE (idempotency_key)")]
    [TestCase("fills_exchange_fill_id_key", "fills", "UNIQUE (exchange_fill_id)")]
    [TestCase("positions_exchange_symbol_key", "positions", "UNIQUE (exchange, symbol)")]
    [TestCase("funding_payments_exchange_payment_id_key", "funding_payments", "UNIQUE (exchange_payment_id)")]
    public async Task Each_unique_column_is_a_unique_constraint(string name, string table, string definition)
    {
        var rows = await _db.StringsAsync(
            $"SELECT c.table_name || '|' || pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN information_schema.table_constraints c ON c.constraint_name = k.conname AND c.constraint_type = 'UNIQUE' WHERE k.conname = '{name}' AND k.contype = 'u'");

        Assert.That(rows, Has.Count.EqualTo(1).And.One.EqualTo($"{table}|{definition}"));
    }

    [Test]
    public async Task The_funding_rate_column_says_its_unit()
    {
        var rows = await _db.StringsAsync("SELECT col_description('funding_snapshots'::regclass, attnum) FROM pg_attribute WHERE attrelid = 'funding_snapshots'::regclass AND attname = 'funding_rate_bps'");

        Assert.That(rows, Has.Count.EqualTo(1).And.One.Contains("1e-8 units"));
    }

    [Test]
    public async Task Fills_reference_orders_with_on_delete_cascade()
    {
        var rows = await _db.StringsAsync("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'fills_order_id_fkey' AND contype = 'f'");

        Assert.That(rows, Has.Count.EqualTo(1).And.One.EqualTo("FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE CASCADE"));
    }

    [Test]
    public async Task Jsonb_rejects_text_that_is_not_json()
    {
        var exception = Assert.CatchAsync(() => _db.ExecuteAsync(
            $"INSERT INTO audit_log (id, event_type, event_data) VALUES ('{Guid.NewGuid()}', 'ERROR', 'not json')"));

        Assert.That(exception!.Message, Does.Contain("json").IgnoreCase);
        await Task.CompletedTask;
    }
}
