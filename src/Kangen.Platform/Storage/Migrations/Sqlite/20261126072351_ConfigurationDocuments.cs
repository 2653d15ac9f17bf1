using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kangen.Platform.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ConfigurationDocuments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "configuration_documents",
                columns: table => new
                {
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    content = table.Column<string>(type: "TEXT", nullable: false),
                    sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    saved_at = table.Column<long>(type: "INTEGER", nullable: false),
                    saved_by = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_configuration_documents", x => new { x.kind, x.version });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "configuration_documents");
        }
    }
}
