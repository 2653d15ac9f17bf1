using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Kangen.Platform.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Admission : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "admission_state",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    saved = table.Column<bool>(type: "boolean", nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    capacity = table.Column<int>(type: "integer", nullable: false),
                    requests_per_second = table.Column<int>(type: "integer", nullable: false),
                    windows = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    updated_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    issued = table.Column<long>(type: "bigint", nullable: false),
                    admitted = table.Column<long>(type: "bigint", nullable: false),
                    budget = table.Column<int>(type: "integer", nullable: false),
                    direct = table.Column<int>(type: "integer", nullable: false),
                    requests = table.Column<long>(type: "bigint", nullable: false),
                    advanced_at_ms = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_admission_state", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "admission_ticks",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    seconds = table.Column<double>(type: "double precision", nullable: false),
                    queue_length = table.Column<long>(type: "bigint", nullable: false),
                    in_flow = table.Column<int>(type: "integer", nullable: false),
                    admitted_count = table.Column<int>(type: "integer", nullable: false),
                    requests_per_second = table.Column<double>(type: "double precision", nullable: false),
                    admitted_through = table.Column<long>(type: "bigint", nullable: false),
                    issued_through = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_admission_ticks", x => x.id);
                });

            migrationBuilder.InsertData(
                table: "admission_state",
                columns: new[] { "id", "admitted", "advanced_at_ms", "budget", "capacity", "direct", "enabled", "issued", "requests", "requests_per_second", "saved", "updated_at", "updated_by", "windows" },
                values: new object[] { 1, 0L, 0L, 0, 0, 0, false, 0L, 0L, 0, false, null, null, null });

            migrationBuilder.CreateIndex(
                name: "ix_admission_ticks_at",
                table: "admission_ticks",
                column: "at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "admission_state");

            migrationBuilder.DropTable(
                name: "admission_ticks");
        }
    }
}
