using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradingBot.Infrastructure.Postgres.Migrations
{
    /// <inheritdoc />
    internal partial class DailyPnl : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "realized_pnl_quote",
                table: "fills",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "pnl_days",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    exchange = table.Column<string>(type: "text", nullable: false),
                    symbol = table.Column<string>(type: "text", nullable: false),
                    utc_day = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    trading_pnl_quote = table.Column<long>(type: "bigint", nullable: false),
                    fees_paid_quote = table.Column<long>(type: "bigint", nullable: false),
                    funding_quote = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pnl_days_pkey", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "idx_fills_realized_pnl_unknown",
                table: "fills",
                column: "order_id",
                filter: "realized_pnl_quote IS NULL");

            migrationBuilder.CreateIndex(
                name: "idx_pnl_days_exchange_utc_day",
                table: "pnl_days",
                columns: new[] { "exchange", "utc_day" });

            migrationBuilder.CreateIndex(
                name: "pnl_days_exchange_symbol_utc_day_key",
                table: "pnl_days",
                columns: new[] { "exchange", "symbol", "utc_day" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "pnl_days");

            migrationBuilder.DropIndex(
                name: "idx_fills_realized_pnl_unknown",
                table: "fills");

            migrationBuilder.DropColumn(
                name: "realized_pnl_quote",
                table: "fills");
        }
    }
}
