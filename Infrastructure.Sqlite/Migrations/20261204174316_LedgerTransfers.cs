using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradingBot.Infrastructure.Sqlite.Migrations
{
    /// <inheritdoc />
    internal partial class LedgerTransfers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ledger_transfers",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    role = table.Column<string>(type: "TEXT", nullable: false),
                    peer = table.Column<string>(type: "TEXT", nullable: false),
                    state = table.Column<string>(type: "TEXT", nullable: false),
                    progress = table.Column<string>(type: "TEXT", nullable: false),
                    started_at = table.Column<string>(type: "TEXT", nullable: false),
                    finished_at = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("ledger_transfers_pkey", x => new { x.id, x.role });
                    table.CheckConstraint("ledger_transfers_progress_check", "json_valid(progress) AND json_type(progress) = 'object'");
                    table.CheckConstraint("ledger_transfers_role_check", "role IN ('SOURCE', 'TARGET')");
                    table.CheckConstraint("ledger_transfers_state_check", "state IN ('COPYING', 'COPIED')");
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ledger_transfers");
        }
    }
}
