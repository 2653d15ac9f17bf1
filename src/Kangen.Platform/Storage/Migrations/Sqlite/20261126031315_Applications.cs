using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kangen.Platform.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Applications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "channel",
                table: "sessions",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "web");

            migrationBuilder.AddColumn<long>(
                name: "card_held_since",
                table: "persons",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Persons from before this migration: their first authentication is the earliest the platform knows.
            migrationBuilder.Sql("UPDATE persons SET card_held_since = created_at;");

            migrationBuilder.CreateTable(
                name: "application_submissions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    requester_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    idempotency_key_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    request_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    person_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    campaign = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    campaign_version = table.Column<int>(type: "INTEGER", nullable: false),
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    terms_version = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_reference = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    sealed_service_id = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    phone_hash = table.Column<string>(type: "TEXT", maxLength: 80, nullable: true),
                    actor = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    channel = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    statement_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    serial = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    signature = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    representative_serial = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    representative_signature = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    recorded_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_application_submissions", x => x.id);
                    table.ForeignKey(
                        name: "FK_application_submissions_persons_person_id",
                        column: x => x.person_id,
                        principalTable: "persons",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_application_submissions_persons_requester_id",
                        column: x => x.requester_id,
                        principalTable: "persons",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "campaign_choices",
                columns: table => new
                {
                    campaign = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    person_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    account_reference = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    chosen_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_campaign_choices", x => new { x.campaign, x.person_id });
                    table.ForeignKey(
                        name: "FK_campaign_choices_persons_person_id",
                        column: x => x.person_id,
                        principalTable: "persons",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "rate_windows",
                columns: table => new
                {
                    key = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    window_start = table.Column<long>(type: "INTEGER", nullable: false),
                    count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rate_windows", x => new { x.key, x.window_start });
                });

            migrationBuilder.CreateTable(
                name: "registrations",
                columns: table => new
                {
                    person_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    registered_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false),
                    channel = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    summary = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    fingerprint = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    @sealed = table.Column<string>(name: "sealed", type: "TEXT", maxLength: 2048, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_registrations", x => new { x.person_id, x.kind });
                    table.ForeignKey(
                        name: "FK_registrations_persons_person_id",
                        column: x => x.person_id,
                        principalTable: "persons",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "service_accounts",
                columns: table => new
                {
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    account_reference = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    person_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    bound_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_service_accounts", x => new { x.service, x.account_reference });
                    table.ForeignKey(
                        name: "FK_service_accounts_persons_person_id",
                        column: x => x.person_id,
                        principalTable: "persons",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "applications",
                columns: table => new
                {
                    campaign = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    person_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    program = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    submission_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    actor = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    channel = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    recorded_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_applications", x => new { x.campaign, x.person_id, x.program });
                    table.ForeignKey(
                        name: "FK_applications_application_submissions_submission_id",
                        column: x => x.submission_id,
                        principalTable: "application_submissions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_applications_persons_person_id",
                        column: x => x.person_id,
                        principalTable: "persons",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_application_submissions_person_id",
                table: "application_submissions",
                column: "person_id");

            migrationBuilder.CreateIndex(
                name: "ux_application_submissions_idempotency",
                table: "application_submissions",
                columns: new[] { "requester_id", "idempotency_key_hash" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_applications_person_id",
                table: "applications",
                column: "person_id");

            migrationBuilder.CreateIndex(
                name: "ix_applications_recorded_at",
                table: "applications",
                column: "recorded_at");

            migrationBuilder.CreateIndex(
                name: "ix_applications_submission_id",
                table: "applications",
                column: "submission_id");

            migrationBuilder.CreateIndex(
                name: "IX_campaign_choices_person_id",
                table: "campaign_choices",
                column: "person_id");

            migrationBuilder.CreateIndex(
                name: "ix_rate_windows_window_start",
                table: "rate_windows",
                column: "window_start");

            migrationBuilder.CreateIndex(
                name: "ix_service_accounts_person_id",
                table: "service_accounts",
                column: "person_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "applications");

            migrationBuilder.DropTable(
                name: "campaign_choices");

            migrationBuilder.DropTable(
                name: "rate_windows");

            migrationBuilder.DropTable(
                name: "registrations");

            migrationBuilder.DropTable(
                name: "service_accounts");

            migrationBuilder.DropTable(
                name: "application_submissions");

            migrationBuilder.DropColumn(
                name: "channel",
                table: "sessions");

            migrationBuilder.DropColumn(
                name: "card_held_since",
                table: "persons");
        }
    }
}
