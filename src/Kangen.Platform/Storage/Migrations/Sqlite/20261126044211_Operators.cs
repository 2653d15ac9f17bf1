using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kangen.Platform.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Operators : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "enrolment_events",
                columns: table => new
                {
                    audit_sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    ordinal = table.Column<int>(type: "INTEGER", nullable: false),
                    operator_code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    pseudonym = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    account_reference = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    program = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    reason = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_enrolment_events", x => new { x.audit_sequence, x.ordinal });
                });

            migrationBuilder.CreateTable(
                name: "grant_totals",
                columns: table => new
                {
                    campaign = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    person_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    card_acquisition = table.Column<long>(type: "INTEGER", nullable: false),
                    health_insurance = table.Column<long>(type: "INTEGER", nullable: false),
                    public_fund_account = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_grant_totals", x => new { x.campaign, x.person_id });
                    table.ForeignKey(
                        name: "FK_grant_totals_persons_person_id",
                        column: x => x.person_id,
                        principalTable: "persons",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "grants",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    operator_code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    line_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    person_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    campaign = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    program = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    proposed = table.Column<long>(type: "INTEGER", nullable: false),
                    points = table.Column<long>(type: "INTEGER", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    related_id = table.Column<long>(type: "INTEGER", nullable: true),
                    occurred_at = table.Column<long>(type: "INTEGER", nullable: false),
                    month = table.Column<int>(type: "INTEGER", nullable: false),
                    remaining_program = table.Column<long>(type: "INTEGER", nullable: false),
                    remaining_total = table.Column<long>(type: "INTEGER", nullable: false),
                    recorded_at = table.Column<long>(type: "INTEGER", nullable: false),
                    settlement_id = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_grants", x => x.id);
                    table.ForeignKey(
                        name: "FK_grants_persons_person_id",
                        column: x => x.person_id,
                        principalTable: "persons",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "link_suspensions",
                columns: table => new
                {
                    person_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    suspended_at = table.Column<long>(type: "INTEGER", nullable: false),
                    suspended_by = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_link_suspensions", x => x.person_id);
                    table.ForeignKey(
                        name: "FK_link_suspensions_persons_person_id",
                        column: x => x.person_id,
                        principalTable: "persons",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "operator_pseudonyms",
                columns: table => new
                {
                    operator_code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    pseudonym = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    person_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_operator_pseudonyms", x => new { x.operator_code, x.pseudonym });
                    table.ForeignKey(
                        name: "FK_operator_pseudonyms_persons_person_id",
                        column: x => x.person_id,
                        principalTable: "persons",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "operators",
                columns: table => new
                {
                    code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    verification_url = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_operators", x => x.code);
                });

            migrationBuilder.CreateTable(
                name: "operator_keys",
                columns: table => new
                {
                    key_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    operator_code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    public_key = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    revoked_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_operator_keys", x => x.key_id);
                    table.ForeignKey(
                        name: "FK_operator_keys_operators_operator_code",
                        column: x => x.operator_code,
                        principalTable: "operators",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "settlements",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    operator_code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    month = table.Column<int>(type: "INTEGER", nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    count = table.Column<long>(type: "INTEGER", nullable: false),
                    points = table.Column<long>(type: "INTEGER", nullable: false),
                    granted_points = table.Column<long>(type: "INTEGER", nullable: false),
                    refunded_points = table.Column<long>(type: "INTEGER", nullable: false),
                    closed_at = table.Column<long>(type: "INTEGER", nullable: false),
                    closed_by = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    confirmed_at = table.Column<long>(type: "INTEGER", nullable: true),
                    confirmed_with = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_settlements", x => x.id);
                    table.ForeignKey(
                        name: "FK_settlements_operators_operator_code",
                        column: x => x.operator_code,
                        principalTable: "operators",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_enrolment_events_feed",
                table: "enrolment_events",
                columns: new[] { "operator_code", "audit_sequence", "ordinal" });

            migrationBuilder.CreateIndex(
                name: "IX_grant_totals_person_id",
                table: "grant_totals",
                column: "person_id");

            migrationBuilder.CreateIndex(
                name: "ix_grants_person_id",
                table: "grants",
                column: "person_id");

            migrationBuilder.CreateIndex(
                name: "ix_grants_settlement",
                table: "grants",
                columns: new[] { "operator_code", "settlement_id", "month" });

            migrationBuilder.CreateIndex(
                name: "ux_grants_operator_key",
                table: "grants",
                columns: new[] { "operator_code", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_operator_keys_operator_code",
                table: "operator_keys",
                column: "operator_code");

            migrationBuilder.CreateIndex(
                name: "ix_operator_pseudonyms_person_id",
                table: "operator_pseudonyms",
                column: "person_id");

            migrationBuilder.CreateIndex(
                name: "ux_operator_pseudonyms_person",
                table: "operator_pseudonyms",
                columns: new[] { "operator_code", "person_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_settlements_operator_month",
                table: "settlements",
                columns: new[] { "operator_code", "month" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "enrolment_events");

            migrationBuilder.DropTable(
                name: "grant_totals");

            migrationBuilder.DropTable(
                name: "grants");

            migrationBuilder.DropTable(
                name: "link_suspensions");

            migrationBuilder.DropTable(
                name: "operator_keys");

            migrationBuilder.DropTable(
                name: "operator_pseudonyms");

            migrationBuilder.DropTable(
                name: "settlements");

            migrationBuilder.DropTable(
                name: "operators");
        }
    }
}
