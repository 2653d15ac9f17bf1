using System.Data.Common;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Tests.Reliability;

/// <summary>
/// What "changes nothing" means in the hostile-input suite: the row count of every table of the model and the audit
/// chain's head. Every state change appends to the audit chain (invariant 6), so an update that keeps the counts still
/// moves the head; counting every table catches a write that forgot its audit entry.
/// </summary>
public sealed record DatabaseFingerprint(IReadOnlyDictionary<string, long> Rows, long AuditSequence, string AuditHash)
{
    /// <summary>
    /// Tables the admission loop writes on its own timer in every instance (its per-tick history and the shared
    /// state row), whatever requests arrive; they hold no one's data and are not audited.
    /// </summary>
    public static readonly IReadOnlySet<string> Background = new HashSet<string>(StringComparer.Ordinal) { "admission_ticks", "admission_state" };

    /// <summary>The fingerprint of the database behind <paramref name="db"/>, read in one round trip.</summary>
    public static async Task<DatabaseFingerprint> TakeAsync(KangenDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var tables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct()
            .Where(t => !Background.Contains(t)).Order(StringComparer.Ordinal).ToArray();
        var sql = string.Join(" UNION ALL ", tables.Select(t => $"SELECT '{t}', COUNT(*) FROM \"{t}\""));
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            var rows = new SortedDictionary<string, long>(StringComparer.Ordinal);
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = sql;
                await using DbDataReader reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                    rows[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
            }
            var head = await db.AuditHead.AsNoTracking().SingleOrDefaultAsync();
            return new DatabaseFingerprint(rows, head?.Sequence ?? 0, head?.Hash ?? "");
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The tables whose counts differ from <paramref name="other"/>, and the head if it moved (empty when equal).</summary>
    public IReadOnlyList<string> Differences(DatabaseFingerprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var differences = Rows.Keys.Union(other.Rows.Keys)
            .Where(t => Rows.GetValueOrDefault(t) != other.Rows.GetValueOrDefault(t))
            .Select(t => $"{t}: {Rows.GetValueOrDefault(t)} -> {other.Rows.GetValueOrDefault(t)}")
            .ToList();
        if (AuditSequence != other.AuditSequence || AuditHash != other.AuditHash)
            differences.Add($"audit head: {AuditSequence} -> {other.AuditSequence}");
        return differences;
    }
}
