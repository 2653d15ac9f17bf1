using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Audit;

/// <summary>
/// The hash chain of the audit log. Every state change appends one entry inside the transaction that
/// makes the change; the entry's hash covers all its fields and the previous entry's hash, so editing,
/// removing or reordering any entry breaks the chain at that point.
/// </summary>
public static class AuditChain
{
    /// <summary>The "previous hash" of the first entry.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>
    /// The canonical hash of an entry: SHA-256 over the UTF-8 of
    /// <c>kangen-audit-v1</c> followed by, for each of sequence, at (Unix milliseconds), actor, action,
    /// subject, data and previous hash, <c>"\n" + length + ":" + value</c>. Length prefixes make the
    /// encoding unambiguous whatever the values contain. Lower-case hex.
    /// </summary>
    public static string ComputeHash(long sequence, DateTimeOffset at, string actor, string action, string subject, string data, string previousHash)
    {
        var text = new StringBuilder("kangen-audit-v1");
        foreach (var field in new[]
                 {
                     sequence.ToString(CultureInfo.InvariantCulture),
                     at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                     actor, action, subject, data, previousHash,
                 })
            text.Append('\n').Append(field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The hash <paramref name="entry"/> should carry.</summary>
    public static string ComputeHash(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return ComputeHash(entry.Sequence, entry.At, entry.Actor, entry.Action, entry.Subject, entry.Data, entry.PreviousHash);
    }

    /// <summary>
    /// Appends an entry. Call inside the transaction of the change it records, after the change itself:
    /// after the head a group commit holds for this context (<see cref="KangenDbContext.HeldAuditHead"/>), else it locks the chain head (PostgreSQL: <c>SELECT ... FOR UPDATE</c>; SQLite: the transaction already
    /// holds the database's write lock), so concurrent writers, in any number of replicas, keep one chain.
    /// The head moves at once; the entry is saved with the caller's next <c>SaveChanges</c>.
    /// </summary>
    public static async Task<AuditEntry> AppendAsync(
        KangenDbContext db, DateTimeOffset now, string actor, string action, string subject, object? data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        // Inside a group commit the head is the group's, written once before its commit.
        if (db.HeldAuditHead is { } held)
            return Append(db, held, now, actor, action, subject, data);
        var head = await LockHeadAsync(db, cancellationToken);
        var entry = Append(db, head, now, actor, action, subject, data);
        // Moved at once, so a second append in the same transaction (or context) sees the new head.
        await SaveHeadAsync(db, head, cancellationToken);
        return entry;
    }

    /// <summary>
    /// Reads and locks the chain head for a run of appends in the caller's transaction (PostgreSQL:
    /// <c>SELECT ... FOR UPDATE</c>; SQLite: the transaction already holds the database's write lock). The appends move
    /// the returned cursor in memory; <see cref="SaveHeadAsync"/> writes it before the commit.
    /// </summary>
    public static async Task<AuditCursor> LockHeadAsync(KangenDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Audit entries are appended inside the transaction of the change they record.");
        // The database's head is behind the group's cursor until the group saves it.
        if (db.HeldAuditHead is not null)
            throw new InvalidOperationException("The audit head is held by this context's group commit; append through it.");
        var head = db.Provider == StorageProvider.Postgres
            ? await db.AuditHead.FromSqlRaw("SELECT * FROM audit_head WHERE id = 1 FOR UPDATE").AsNoTracking().SingleAsync(cancellationToken)
            : await Head.For(db)(db, cancellationToken);
        return new AuditCursor(head.Sequence, head.Hash);
    }

    /// <summary>
    /// Appends an entry after <paramref name="cursor"/> (locked by <see cref="LockHeadAsync"/> in this transaction) and
    /// moves the cursor to it; the entry is saved with the caller's next <c>SaveChanges</c>.
    /// </summary>
    public static AuditEntry Append(KangenDbContext db, AuditCursor cursor, DateTimeOffset now, string actor, string action, string subject, object? data)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(cursor);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        var json = data is null ? "{}" : JsonSerializer.Serialize(data, JsonOptions);
        var entry = new AuditEntry
        {
            Sequence = cursor.Sequence + 1,
            At = at,
            Actor = actor,
            Action = action,
            Subject = subject,
            Data = json,
            PreviousHash = cursor.Hash,
            Hash = "",
        };
        entry.Hash = ComputeHash(entry);
        cursor.Position = (entry.Sequence, entry.Hash);
        db.AuditLog.Add(entry);
        return entry;
    }

    /// <summary>Writes <paramref name="cursor"/>'s position to the chain head, inside the transaction that locked it.</summary>
    public static async Task SaveHeadAsync(KangenDbContext db, AuditCursor cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(cursor);
        var (sequence, hash) = cursor.Position;
        // SQL of our own rather than ExecuteUpdate, whose LINQ is walked and looked up again on every call: a group commit
        // writes the head once per group, on the single writer's path.
        await db.Database.ExecuteSqlAsync($"UPDATE audit_head SET sequence = {sequence}, hash = {hash} WHERE id = 1", cancellationToken);
    }

    // Compiled once, read by every group commit on SQLite (see GroupReads).
    private static readonly CompiledQuery<Func<KangenDbContext, CancellationToken, Task<AuditHead>>> Head = new(() =>
        EF.CompileAsyncQuery((KangenDbContext db, CancellationToken _) => db.AuditHead.AsNoTracking().Single(h => h.Id == 1)));

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>
/// The chain head as a run of appends in one transaction has moved it, in memory until
/// <see cref="AuditChain.SaveHeadAsync"/>. Setting <see cref="Position"/> back to an earlier value undoes the appends
/// after it (with the rollback of the savepoint that held their entries).
/// </summary>
public sealed class AuditCursor(long sequence, string hash)
{
    /// <summary>The sequence and hash of the last entry.</summary>
    public (long Sequence, string Hash) Position { get; set; } = (sequence, hash);

    /// <summary>The sequence of the last entry.</summary>
    public long Sequence => Position.Sequence;

    /// <summary>The hash of the last entry.</summary>
    public string Hash => Position.Hash;
}
