using System.Security.Cryptography;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Operators;

/// <summary>
/// Per-operator pseudonyms: random, stored once per operator and person, so they reveal nothing, survive key
/// rotation and card renewal, and two operators holding theirs cannot tell they name the same person.
/// </summary>
public static class Pseudonyms
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>A new pseudonym: <c>p-</c> and 26 base32 characters (130 random bits).</summary>
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[26];
        RandomNumberGenerator.Fill(bytes);
        Span<char> text = stackalloc char[28];
        text[0] = 'p';
        text[1] = '-';
        for (var i = 0; i < 26; i++)
            text[i + 2] = Alphabet[bytes[i] & 31];
        return new string(text);
    }

    /// <summary>
    /// The person's pseudonym for the operator, creating it (tracked, saved with the caller's transaction) when
    /// there is none. A twin transaction creating one at the same time fails on the unique key and is retried by
    /// the caller, which then reads the winner's.
    /// </summary>
    public static async Task<string> ForAsync(KangenDbContext db, string operatorCode, Guid personId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var pending = db.ChangeTracker.Entries<OperatorPseudonym>()
            .FirstOrDefault(e => e.Entity.OperatorCode == operatorCode && e.Entity.PersonId == personId);
        if (pending is not null)
            return pending.Entity.Pseudonym;
        var existing = await db.OperatorPseudonyms.AsNoTracking()
            .Where(p => p.OperatorCode == operatorCode && p.PersonId == personId)
            .Select(p => p.Pseudonym).SingleOrDefaultAsync(cancellationToken);
        return existing ?? Create(db, operatorCode, personId, now);
    }

    /// <summary>Creates the person's pseudonym for the operator (tracked), for a caller that knows there is none.</summary>
    public static string Create(KangenDbContext db, string operatorCode, Guid personId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(db);
        var created = new OperatorPseudonym { OperatorCode = operatorCode, Pseudonym = New(), PersonId = personId, CreatedAt = now };
        db.OperatorPseudonyms.Add(created);
        return created.Pseudonym;
    }
}
