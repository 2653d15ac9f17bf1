using System.Text;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kangen.Platform.Features.Grants;

/// <summary>
/// Inserts ledger rows with multi-row <c>INSERT</c> statements inside the caller's transaction. The change tracker
/// inserts one row per command and reads its id back, which made a 2,000-line chunk cost seconds on SQLite; rows of a
/// grant chunk need no id back. Columns and parameter conversions come from the EF model (the provider's own type
/// mappings), so the rows are stored exactly as the change tracker would store them.
/// </summary>
public static class LedgerWriter
{
    // 19 columns: 300 rows stay far below PostgreSQL's 65,535 parameters per statement. SQLite binds parameters by name,
    // and finding a name scans the statement's list, so binding n parameters costs n^2: 300 rows (5,700 parameters) made a
    // 2,000-line chunk cost 1.3 s there; 16 rows (304 parameters) cost a few milliseconds.
    private const int RowsPerStatement = 300;
    private const int SqliteRowsPerStatement = 16;

    /// <summary>Inserts <paramref name="rows"/> (their <see cref="GrantEntry.Id"/> is left to the database and not read back).</summary>
    public static async Task InsertAsync(KangenDbContext db, IReadOnlyList<GrantEntry> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rows);
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("Ledger rows are inserted inside the caller's transaction.");
        var entity = db.Model.FindEntityType(typeof(GrantEntry))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var columns = entity.GetProperties().Where(p => p.Name != nameof(GrantEntry.Id))
            .Select(p => (Property: p, Name: p.GetColumnName(table)!, Mapping: p.GetRelationalTypeMapping())).ToArray();
        var head = $"INSERT INTO \"{table.Name}\" ({string.Join(", ", columns.Select(c => "\"" + c.Name + "\""))}) VALUES ";
        var connection = db.Database.GetDbConnection();
        var perStatement = db.Provider == StorageProvider.Sqlite ? SqliteRowsPerStatement : RowsPerStatement;
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction.GetDbTransaction();
            var sql = new StringBuilder(head);
            var end = Math.Min(rows.Count, start + perStatement);
            for (var r = start; r < end; r++)
            {
                sql.Append(r == start ? "(" : ", (");
                for (var c = 0; c < columns.Length; c++)
                {
                    var name = "@p" + ((r - start) * columns.Length + c).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    sql.Append(c == 0 ? "" : ", ").Append(name);
                    var (property, _, mapping) = columns[c];
                    command.Parameters.Add(mapping.CreateParameter(command, name, property.PropertyInfo!.GetValue(rows[r]), property.IsNullable));
                }
                sql.Append(')');
            }
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
