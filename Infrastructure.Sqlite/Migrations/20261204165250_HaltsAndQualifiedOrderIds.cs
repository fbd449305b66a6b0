using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradingBot.Infrastructure.Sqlite.Migrations
{
    /// <inheritdoc />
    internal partial class HaltsAndQualifiedOrderIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Binance order ids are unique per symbol only: every stored exchange order id becomes
            // '<exchange>:<symbol>:<id>', the form the ledger writes from now on.
            migrationBuilder.Sql(
                "UPDATE orders SET exchange_order_id = exchange || ':' || symbol || ':' || exchange_order_id " +
                "WHERE exchange_order_id IS NOT NULL AND substr(exchange_order_id, 1, length(exchange || ':' || symbol || ':')) <> exchange || ':' || symbol || ':';");

            migrationBuilder.AddColumn<string>(
                name: "never_placed_after",
                table: "orders",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "send_deadline",
                table: "orders",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "symbol_halts",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    exchange = table.Column<string>(type: "TEXT", nullable: false),
                    symbol = table.Column<string>(type: "TEXT", nullable: false),
                    reason = table.Column<string>(type: "TEXT", nullable: false),
                    detail = table.Column<string>(type: "TEXT", nullable: false),
                    halted_at = table.Column<string>(type: "TEXT", nullable: false),
                    halted_until = table.Column<string>(type: "TEXT", nullable: true),
                    released_at = table.Column<string>(type: "TEXT", nullable: true),
                    version = table.Column<long>(type: "INTEGER", nullable: false),
                    created_at = table.Column<string>(type: "TEXT", nullable: true, defaultValueSql: "(strftime('%Y-%m-%d %H:%M:%f', 'now'))"),
                    updated_at = table.Column<string>(type: "TEXT", nullable: true, defaultValueSql: "(strftime('%Y-%m-%d %H:%M:%f', 'now'))")
                },
                constraints: table =>
                {
                    table.PrimaryKey("symbol_halts_pkey", x => x.id);
                    table.CheckConstraint("symbol_halts_detail_check", "detail <> ''");
                    table.CheckConstraint("symbol_halts_reason_check", "reason IN ('POSITION_DIFFERS', 'BEYOND_INTENT', 'CLOSE_REFUSED')");
                });

            migrationBuilder.AddCheckConstraint(
                name: "orders_deadlines_check",
                table: "orders",
                sql: "(send_deadline IS NULL) = (never_placed_after IS NULL) AND (never_placed_after IS NULL OR never_placed_after >= send_deadline)");

            migrationBuilder.CreateIndex(
                name: "symbol_halts_exchange_symbol_key",
                table: "symbol_halts",
                columns: new[] { "exchange", "symbol" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "symbol_halts");

            migrationBuilder.DropCheckConstraint(
                name: "orders_deadlines_check",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "never_placed_after",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "send_deadline",
                table: "orders");

            // Back to the raw ids the earlier code wrote, except where two symbols now hold the same raw id (the old schema's
            // UNIQUE could not store both): those stay qualified.
            migrationBuilder.Sql(
                "UPDATE orders SET exchange_order_id = substr(exchange_order_id, length(exchange || ':' || symbol || ':') + 1) " +
                "WHERE exchange_order_id IS NOT NULL AND substr(exchange_order_id, 1, length(exchange || ':' || symbol || ':')) = exchange || ':' || symbol || ':' " +
                "AND (SELECT COUNT(*) FROM orders AS other WHERE other.exchange_order_id IS NOT NULL " +
                "AND substr(other.exchange_order_id, length(other.exchange || ':' || other.symbol || ':') + 1) = substr(orders.exchange_order_id, length(orders.exchange || ':' || orders.symbol || ':') + 1)) = 1;");
        }
    }
}
