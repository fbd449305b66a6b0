using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradingBot.Infrastructure.Postgres.Migrations
{
    /// <inheritdoc />
    internal partial class InitialLedger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_log",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    event_type = table.Column<string>(type: "text", nullable: false),
                    event_data = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true, defaultValueSql: "NOW()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("audit_log_pkey", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "funding_payments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    exchange = table.Column<string>(type: "text", nullable: false),
                    symbol = table.Column<string>(type: "text", nullable: false),
                    exchange_payment_id = table.Column<string>(type: "text", nullable: false),
                    amount_quote = table.Column<long>(type: "bigint", nullable: false),
                    asset = table.Column<string>(type: "text", nullable: false),
                    paid_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true, defaultValueSql: "NOW()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("funding_payments_pkey", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "funding_snapshots",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    exchange = table.Column<string>(type: "text", nullable: false),
                    symbol = table.Column<string>(type: "text", nullable: false),
                    funding_rate_bps = table.Column<long>(type: "bigint", nullable: false),
                    mark_price_quote = table.Column<long>(type: "bigint", nullable: false),
                    index_price_quote = table.Column<long>(type: "bigint", nullable: false),
                    snapshot_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true, defaultValueSql: "NOW()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("funding_snapshots_pkey", x => x.id);
                    table.CheckConstraint("funding_snapshots_index_price_quote_check", "index_price_quote > 0");
                    table.CheckConstraint("funding_snapshots_mark_price_quote_check", "mark_price_quote > 0");
                });

            migrationBuilder.CreateTable(
                name: "orders",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    exchange = table.Column<string>(type: "text", nullable: false),
                    symbol = table.Column<string>(type: "text", nullable: false),
                    side = table.Column<string>(type: "text", nullable: false),
                    type = table.Column<string>(type: "text", nullable: false),
                    quantity_base = table.Column<long>(type: "bigint", nullable: false),
                    price_quote = table.Column<long>(type: "bigint", nullable: true),
                    status = table.Column<string>(type: "text", nullable: false),
                    exchange_order_id = table.Column<string>(type: "text", nullable: true),
                    idempotency_key = table.Column<string>(type: "text", nullable: true),
                    filled_quantity_base = table.Column<long>(type: "bigint", nullable: false, defaultValue: 0L),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true, defaultValueSql: "NOW()"),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true, defaultValueSql: "NOW()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("orders_pkey", x => x.id);
                    table.CheckConstraint("orders_filled_quantity_base_check", "filled_quantity_base >= 0 AND filled_quantity_base <= quantity_base");
                    table.CheckConstraint("orders_price_quote_check", "price_quote IS NULL OR price_quote > 0");
                    table.CheckConstraint("orders_quantity_base_check", "quantity_base > 0");
                    table.CheckConstraint("orders_side_check", "side IN ('BUY', 'SELL')");
                    table.CheckConstraint("orders_status_check", "status IN ('PENDING', 'OPEN', 'FILLED', 'PARTIALLY_FILLED', 'CANCELLED', 'REJECTED')");
                    table.CheckConstraint("orders_type_check", "type IN ('MARKET', 'LIMIT', 'IOC', 'FOK')");
                });

            migrationBuilder.CreateTable(
                name: "positions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    exchange = table.Column<string>(type: "text", nullable: false),
                    symbol = table.Column<string>(type: "text", nullable: false),
                    net_quantity_base = table.Column<long>(type: "bigint", nullable: false),
                    entry_notional_quote = table.Column<long>(type: "bigint", nullable: false),
                    realized_pnl_quote = table.Column<long>(type: "bigint", nullable: false),
                    fees_paid_quote = table.Column<long>(type: "bigint", nullable: false),
                    funding_quote = table.Column<long>(type: "bigint", nullable: false),
                    fill_count = table.Column<long>(type: "bigint", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true, defaultValueSql: "NOW()"),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true, defaultValueSql: "NOW()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("positions_pkey", x => x.id);
                    table.CheckConstraint("positions_entry_notional_quote_check", "entry_notional_quote >= 0");
                    table.CheckConstraint("positions_fill_count_check", "fill_count >= 0");
                    table.CheckConstraint("positions_flat_check", "net_quantity_base <> 0 OR entry_notional_quote = 0");
                });

            migrationBuilder.CreateTable(
                name: "state_snapshots",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    snapshot = table.Column<string>(type: "jsonb", nullable: false),
                    reconciled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true, defaultValueSql: "NOW()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("state_snapshots_pkey", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "fills",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    order_id = table.Column<Guid>(type: "uuid", nullable: true),
                    exchange_fill_id = table.Column<string>(type: "text", nullable: false),
                    price_quote = table.Column<long>(type: "bigint", nullable: false),
                    quantity_base = table.Column<long>(type: "bigint", nullable: false),
                    fee_quote = table.Column<long>(type: "bigint", nullable: false),
                    fee_asset = table.Column<string>(type: "text", nullable: false),
                    filled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    position_sequence = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true, defaultValueSql: "NOW()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("fills_pkey", x => x.id);
                    table.CheckConstraint("fills_position_sequence_check", "position_sequence > 0");
                    table.CheckConstraint("fills_price_quote_check", "price_quote > 0");
                    table.CheckConstraint("fills_quantity_base_check", "quantity_base > 0");
                    table.ForeignKey(
                        name: "fills_order_id_fkey",
                        column: x => x.order_id,
                        principalTable: "orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "idx_audit_log_created_at",
                table: "audit_log",
                column: "created_at",
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "idx_audit_log_event_type",
                table: "audit_log",
                column: "event_type");

            migrationBuilder.CreateIndex(
                name: "idx_audit_log_event_type_created_at",
                table: "audit_log",
                columns: new[] { "event_type", "created_at" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "fills_exchange_fill_id_key",
                table: "fills",
                column: "exchange_fill_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "idx_fills_exchange_fill_id",
                table: "fills",
                column: "exchange_fill_id");

            migrationBuilder.CreateIndex(
                name: "idx_fills_filled_at",
                table: "fills",
                column: "filled_at",
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "idx_fills_order_id",
                table: "fills",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "funding_payments_exchange_payment_id_key",
                table: "funding_payments",
                column: "exchange_payment_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "idx_funding_payments_exchange_paid_at",
                table: "funding_payments",
                columns: new[] { "exchange", "paid_at" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "idx_funding_snapshots_snapshot_at",
                table: "funding_snapshots",
                column: "snapshot_at",
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "idx_funding_snapshots_symbol_snapshot_at",
                table: "funding_snapshots",
                columns: new[] { "exchange", "symbol", "snapshot_at" },
                descending: new[] { false, false, true });

            migrationBuilder.CreateIndex(
                name: "idx_orders_created_at",
                table: "orders",
                column: "created_at",
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "idx_orders_exchange_order_id",
                table: "orders",
                column: "exchange_order_id",
                filter: "exchange_order_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "idx_orders_idempotency_key",
                table: "orders",
                column: "idempotency_key",
                filter: "idempotency_key IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "idx_orders_status",
                table: "orders",
                column: "status",
                filter: "status IN ('OPEN', 'PENDING')");

            migrationBuilder.CreateIndex(
                name: "idx_orders_status_partially_filled",
                table: "orders",
                column: "status",
                filter: "status = 'PARTIALLY_FILLED'");

            migrationBuilder.CreateIndex(
                name: "orders_exchange_order_id_key",
                table: "orders",
                column: "exchange_order_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "orders_idempotency_key_key",
                table: "orders",
                column: "idempotency_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "positions_exchange_symbol_key",
                table: "positions",
                columns: new[] { "exchange", "symbol" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "idx_state_snapshots_reconciled_at",
                table: "state_snapshots",
                column: "reconciled_at",
                descending: new bool[0]);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_log");

            migrationBuilder.DropTable(
                name: "fills");

            migrationBuilder.DropTable(
                name: "funding_payments");

            migrationBuilder.DropTable(
                name: "funding_snapshots");

            migrationBuilder.DropTable(
                name: "positions");

            migrationBuilder.DropTable(
                name: "state_snapshots");

            migrationBuilder.DropTable(
                name: "orders");
        }
    }
}
