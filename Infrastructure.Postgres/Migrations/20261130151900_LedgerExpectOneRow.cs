using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradingBot.Infrastructure.Postgres.Migrations
{
    /// <summary>
    /// ledger_expect_one_row(rows, what): the check a ledger write batch passes each update's row count
    /// through. Unless exactly one row was updated (the row still held what the unit of work read), it raises
    /// SQLSTATE 40001, which aborts the batch's transaction and makes the unit of work run again.
    /// </summary>
    internal partial class LedgerExpectOneRow : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION ledger_expect_one_row(updated_rows bigint, what text) RETURNS bigint
                LANGUAGE plpgsql AS $$
                BEGIN
                    IF updated_rows <> 1 THEN
                        RAISE EXCEPTION 'ledger: the % row changed since this unit of work read it', what
                            USING ERRCODE = 'serialization_failure';
                    END IF;
                    RETURN updated_rows;
                END
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION ledger_expect_one_row(bigint, text);");
        }
    }
}
