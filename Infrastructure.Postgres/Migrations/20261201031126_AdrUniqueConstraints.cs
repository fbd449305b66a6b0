using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradingBot.Infrastructure.Postgres.Migrations
{
    /// <summary>
    /// The ADR declares <c>exchange_order_id TEXT UNIQUE</c>, <c>idempotency_key TEXT UNIQUE</c> and
    /// <c>exchange_fill_id TEXT NOT NULL UNIQUE</c>: UNIQUE constraints, which Postgres lists in <c>pg_constraint</c>
    /// and <c>information_schema.table_constraints</c> and which <c>ON CONFLICT ON CONSTRAINT</c> can name. EF Core
    /// models them as unique indexes; this turns each of them (and the ledger's own two, in the same style) into the
    /// constraint of the same name, keeping the index it already built. A later migration that changes one of them
    /// must drop the constraint (<c>ALTER TABLE ... DROP CONSTRAINT</c>), which drops its index too.
    /// It also says in the schema what <c>funding_rate_bps</c> holds.
    /// </summary>
    internal partial class AdrUniqueConstraints : Migration
    {
        private static readonly (string Table, string Name, string Columns)[] Uniques =
        [
            ("orders", "orders_exchange_order_id_key", "exchange_order_id"),
            ("orders", "orders_idempotency_key_key", "idempotency_key"),
            ("fills", "fills_exchange_fill_id_key", "exchange_fill_id"),
            ("positions", "positions_exchange_symbol_key", "exchange, symbol"),
            ("funding_payments", "funding_payments_exchange_payment_id_key", "exchange_payment_id"),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, name, _) in Uniques)
            {
                migrationBuilder.Sql($"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name};");
            }

            migrationBuilder.Sql(
                "COMMENT ON COLUMN funding_snapshots.funding_rate_bps IS " +
                "'The funding rate in 1e-8 units (basis points x 10,000): 0.00038246 is stored as 38246, 1 bp as 10000';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("COMMENT ON COLUMN funding_snapshots.funding_rate_bps IS NULL;");
            foreach (var (table, name, columns) in Uniques)
            {
                migrationBuilder.Sql($"ALTER TABLE {table} DROP CONSTRAINT {name};");
                migrationBuilder.Sql($"CREATE UNIQUE INDEX {name} ON {table} ({columns});");
            }
        }
    }
}
