using System.Security.Cryptography;
using System.Text;
using Kangen.Operator.Services;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Operator.Accounts;

/// <summary>A newly opened account: what the customer was given (shown once; the codes are kept only as a hash).</summary>
/// <param name="Service">The service.</param>
/// <param name="Reference">The operator's reference of the account.</param>
/// <param name="HolderKana">The holder's name.</param>
/// <param name="Fields">The field values as the customer would type them.</param>
public sealed record OpenedAccount(string Service, string Reference, string HolderKana, IReadOnlyDictionary<string, string> Fields);

/// <summary>
/// The operator's customer accounts: opening them (invented holders and codes, for demos) and verifying what
/// the platform forwards from an applicant. Secret fields are stored only as a salted PBKDF2 hash.
/// </summary>
public static class AccountBook
{
    /// <summary>PBKDF2 iterations: codes are short, so the hash must be slow to guess offline.</summary>
    public const int HashIterations = 20_000;

    private static readonly string[] FamilyNames =
        ["ヤマダ", "スズキ", "タナカ", "サトウ", "タカハシ", "ワタナベ", "イトウ", "ナカムラ", "コバヤシ", "カトウ",
         "ヨシダ", "ヤマモト", "マツモト", "イノウエ", "キムラ", "ハヤシ", "シミズ", "ヤマグチ", "モリ", "イケダ"];

    private static readonly string[] GivenNames =
        ["タロウ", "ハナコ", "ケンジ", "ユミ", "ヒロシ", "サクラ", "ダイスケ", "アヤ", "ショウタ", "ミサキ",
         "タクヤ", "ナオミ", "ユウキ", "アキラ", "メグミ", "コウジ"];

    /// <summary>Opens <paramref name="count"/> accounts of <paramref name="service"/> and saves them.</summary>
    public static async Task<IReadOnlyList<OpenedAccount>> OpenAsync(
        OperatorDb db, OperatorService service, int count, Random random, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var opened = new List<OpenedAccount>();
        var idField = service.AccountIdField;
        var taken = new HashSet<string>(StringComparer.Ordinal);
        while (opened.Count < count)
        {
            var id = FieldValues.Make(idField, random);
            if (!taken.Add(id) || await db.Accounts.AnyAsync(a => a.Service == service.Code && a.AccountId == id, cancellationToken))
                continue;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal) { [idField.Name] = Typed(idField, id) };
            foreach (var field in service.Fields.Where(f => !f.IsAccountId))
                fields[field.Name] = FieldValues.Make(field, random);
            var salt = RandomNumberGenerator.GetBytes(16);
            var holder = FamilyNames[random.Next(FamilyNames.Length)] + " " + GivenNames[random.Next(GivenNames.Length)];
            var reference = NewReference(service.Operator);
            db.Accounts.Add(new AccountRow
            {
                Service = service.Code,
                AccountId = id,
                CodesSalt = Convert.ToBase64String(salt),
                CodesHash = Convert.ToBase64String(HashCodes(service, fields, salt)),
                HolderKana = holder,
                Status = "open",
                Reference = reference,
                OpenedAt = now,
            });
            opened.Add(new OpenedAccount(service.Code, reference, holder, fields));
        }
        await db.SaveChangesAsync(cancellationToken);
        return opened;
    }

    /// <summary>Closes an account (it then verifies as <c>closed</c>); false when there is no such reference.</summary>
    public static async Task<bool> CloseAsync(OperatorDb db, string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var row = await db.Accounts.FirstOrDefaultAsync(a => a.Reference == reference, cancellationToken);
        if (row is null)
            return false;
        row.Status = "closed";
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// The answer to a verification: <c>not-found</c> (unknown service or account ID), <c>codes-mismatch</c> (any
    /// secret field differs; all are checked together, in constant time), <c>closed</c>, or verified with the
    /// account's reference and the holder's masked name.
    /// </summary>
    public static async Task<AccountVerificationResponse> VerifyAsync(
        OperatorDb db, OperatorServices services, AccountVerificationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(request);
        var service = services.Find(request.Service);
        if (service is null || request.Fields is null)
            return Rejected("not-found");
        var idField = service.AccountIdField;
        if (!request.Fields.TryGetValue(idField.Name, out var rawId))
            return Rejected("not-found");
        var id = FieldNormalisation.Apply(idField.Normalisation, rawId);
        var row = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Service == service.Code && a.AccountId == id, cancellationToken);
        if (row is null)
            return Rejected("not-found");
        var given = HashCodes(service, request.Fields, Convert.FromBase64String(row.CodesSalt));
        if (!CryptographicOperations.FixedTimeEquals(given, Convert.FromBase64String(row.CodesHash)))
            return Rejected("codes-mismatch");
        if (row.Status != "open")
            return Rejected("closed");
        return new AccountVerificationResponse(AccountVerificationResponse.Verified, row.Reference, Mask(row.HolderKana));
    }

    /// <summary>The holder's name as shown to the applicant: the family name, then the given name's first character and <c>＊</c> for the rest.</summary>
    public static string Mask(string holderKana)
    {
        ArgumentNullException.ThrowIfNull(holderKana);
        var space = holderKana.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
            return holderKana.Length <= 1 ? holderKana : holderKana[0] + new string('＊', holderKana.Length - 1);
        var family = holderKana[..space];
        var given = holderKana[(space + 1)..];
        return given.Length == 0 ? family : family + " " + given[0] + new string('＊', given.Length - 1);
    }

    private static AccountVerificationResponse Rejected(string reason) => new(AccountVerificationResponse.Rejected, Reason: reason);

    /// <summary>PBKDF2-SHA256 of the normalised secret fields, "name=value" lines in name order.</summary>
    internal static byte[] HashCodes(OperatorService service, IReadOnlyDictionary<string, string> fields, byte[] salt)
    {
        var text = new StringBuilder();
        foreach (var field in service.Fields.Where(f => f.Secret).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var value = fields.TryGetValue(field.Name, out var v) ? FieldNormalisation.Apply(field.Normalisation, v) : "";
            text.Append(field.Name).Append('=').Append(value).Append('\n');
        }
        return Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(text.ToString()), salt, HashIterations, HashAlgorithmName.SHA256, 32);
    }

    // The reference is random, not derived from the account ID: it tells the platform nothing about the account.
    private static string NewReference(string operatorCode) =>
        operatorCode[..Math.Min(operatorCode.Length, 20)] + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    // Long numbers are printed in groups of four on cards and screens; customers type them that way.
    private static string Typed(OperatorField field, string id) =>
        field.Normalisation is "digits" or "upper-alnum" && id.Length >= 10 ? string.Join('-', id.Chunk(4).Select(c => new string(c))) : id;
}
