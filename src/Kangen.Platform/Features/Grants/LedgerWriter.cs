using System.Data.Common;
using System.Text;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kangen.Platform.Features.Grants;

/// <summary>
/// Inserts ledger rows with <c>INSERT</c> statements of its own inside the caller's transaction (one prepared statement
/// run per row on SQLite, multi-row statements on PostgreSQL). The change tracker inserts one row per command and reads
/// its id back, which made a 2,000-line chunk cost seconds on SQLite; rows of a grant chunk need no id back. Columns and parameter conversions come from the EF model (the provider's own type
/// mappings), so the rows are stored exactly as the change tracker would store them.
/// </summary>
public static class LedgerWriter
{
    // 19 columns: 300 rows stay far below PostgreSQL's 65,535 parameters per statement. SQLite binds parameters by name,
    // and finding a name scans the statement's list, so binding n parameters costs n^2; there one row per statement,
    // prepared once and run again for every row, is the fastest (SQLite's statements cost no round trip): 16 rows per
    // freshly prepared statement spent half of a 2,000-line chunk preparing and binding (docs/performance.md).
    private const int RowsPerStatement = 300;
    private const int SqliteRowsPerStatement = 1;

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
        // Every full statement has the same text, so one command serves them all. On SQLite that is what saves the time:
        // Microsoft.Data.Sqlite prepares a command's text once and binds each run's values afresh. Npgsql prepares only
        // when asked (we do not), so on PostgreSQL the reuse saves building the text and the command, not the parse.
        // A shorter last statement gets a command of its own.
        var names = new string[Math.Min(perStatement, rows.Count) * columns.Length];
        for (var i = 0; i < names.Length; i++)
            names[i] = "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        DbCommand? full = null;
        try
        {
            for (var start = 0; start < rows.Count; start += perStatement)
            {
                var count = Math.Min(perStatement, rows.Count - start);
                var command = count == perStatement ? full ??= Create(count) : Create(count);
                try
                {
                    command.Parameters.Clear();
                    for (var r = 0; r < count; r++)
                    {
                        for (var c = 0; c < columns.Length; c++)
                        {
                            var (property, _, mapping) = columns[c];
                            command.Parameters.Add(mapping.CreateParameter(command, names[r * columns.Length + c], property.PropertyInfo!.GetValue(rows[start + r]), property.IsNullable));
                        }
                    }
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                finally
                {
                    if (command != full)
                        await command.DisposeAsync();
                }
            }
        }
        finally
        {
            if (full is not null)
                await full.DisposeAsync();
        }

        DbCommand Create(int count)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction.GetDbTransaction();
            var sql = new StringBuilder(head);
            for (var r = 0; r < count; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Length; c++)
                    sql.Append(c == 0 ? "" : ", ").Append(names[r * columns.Length + c]);
                sql.Append(')');
            }
            command.CommandText = sql.ToString();
            return command;
        }
    }

}
