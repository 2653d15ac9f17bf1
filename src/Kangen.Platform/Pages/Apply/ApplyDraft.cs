using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Kangen.Platform.Pages.Apply;

/// <summary>
/// The application wizard's state between steps, kept by the browser in a hidden field protected (encrypted and
/// authenticated) with ASP.NET Core Data Protection, whose key ring every replica shares: nothing is written to the
/// database until the final, signed submission, so an abandoned wizard leaves nothing half-written. It never holds
/// the service's security codes (they go to the operator once and are forgotten) nor any PIN.
/// </summary>
/// <param name="PersonId">The signed-in person it belongs to: another session cannot continue it.</param>
/// <param name="ForChild">A legal representative applying for a child.</param>
/// <param name="Service">The chosen service code, once chosen.</param>
/// <param name="Programs">The programs applied for (codes, part order).</param>
/// <param name="ChildPresent">For a child of 15-17: the child is present.</param>
/// <param name="PhoneLast4">The normalised phone digits, or null.</param>
/// <param name="Verification">The verification token the operator's confirmation gave, once verified.</param>
/// <param name="MaskedAccountId">The masked payment service ID.</param>
/// <param name="MaskedHolderName">The masked holder name, to confirm.</param>
/// <param name="TermsVersion">The terms version accepted (set when the citizen accepts).</param>
/// <param name="Confirmed">The citizen confirmed the holder name and accepted the terms.</param>
/// <param name="IdempotencyKey">Fixed for the draft: a double submit or a retry replays instead of failing.</param>
public sealed record ApplyDraft(
    Guid PersonId, bool ForChild, string? Service, IReadOnlyList<string> Programs, bool ChildPresent, string? PhoneLast4,
    string? Verification, string? MaskedAccountId, string? MaskedHolderName, string? TermsVersion, bool Confirmed, string IdempotencyKey)
{
    /// <summary>How long a draft lives: as long as a verification token, and a little more to read the terms.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    /// <summary>A fresh draft for <paramref name="personId"/>.</summary>
    public static ApplyDraft Start(Guid personId, bool forChild) =>
        new(personId, forChild, null, [], false, null, null, null, null, null, false, "web-" + Guid.NewGuid().ToString("N"));

    /// <summary>The programs as kinds, in the draft's order (the page writes only known codes; others are skipped).</summary>
    public IReadOnlyList<Kangen.Rules.ProgramKind> Kinds =>
        [.. Programs.Select(c => Kangen.Rules.ProgramKinds.TryParse(c, out var k) ? k : (Kangen.Rules.ProgramKind?)null).OfType<Kangen.Rules.ProgramKind>()];

    /// <summary>The step the draft is at: 1 service and programs, 2 the service's fields, 3 holder and terms, 4 the card.</summary>
    public int Step => Service is null ? 1 : Verification is null ? 2 : !Confirmed ? 3 : 4;

    /// <summary>Back to the fields: the verification (and everything after it) is dropped.</summary>
    public ApplyDraft WithoutVerification() => this with
    {
        Verification = null, MaskedAccountId = null, MaskedHolderName = null, TermsVersion = null, Confirmed = false,
    };
}

/// <summary>Protects and opens <see cref="ApplyDraft"/>s (time-limited, bound to this purpose).</summary>
public sealed class ApplyDraftProtector(IDataProtectionProvider provider)
{
    private readonly ITimeLimitedDataProtector _protector =
        provider.CreateProtector("Kangen.Web.Apply.Draft.v1").ToTimeLimitedDataProtector();

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The hidden field's value.</summary>
    public string Protect(ApplyDraft draft) => _protector.Protect(JsonSerializer.Serialize(draft, Json), ApplyDraft.Lifetime);

    /// <summary>The draft, or null when the value is missing, altered, expired or not this person's.</summary>
    public ApplyDraft? Open(string? value, Guid personId)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 16 * 1024)
            return null;
        try
        {
            var draft = JsonSerializer.Deserialize<ApplyDraft>(_protector.Unprotect(value), Json);
            return draft is not null && draft.PersonId == personId ? draft : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>What the "applied" page shows, handed over from the submission in a short-lived protected cookie read once.</summary>
/// <param name="Application">The recorded application.</param>
/// <param name="ForChild">Applied by a legal representative for a child.</param>
/// <param name="Counter">Applied at an assisted terminal (the citizen was forgotten): offer the next citizen.</param>
/// <param name="Replayed">The application had been recorded already (a double submit or a retry).</param>
public sealed record ApplyReceipt(Features.Applications.ApplicationResponse Application, bool ForChild, bool Counter, bool Replayed)
{
    /// <summary>The cookie (path <c>/apply</c>, HttpOnly, SameSite=Strict, deleted once read).</summary>
    public const string CookieName = "kangen-apply-receipt";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static ITimeLimitedDataProtector Protector(IDataProtectionProvider provider) =>
        provider.CreateProtector("Kangen.Web.Apply.Receipt.v1").ToTimeLimitedDataProtector();

    /// <summary>Sets the cookie.</summary>
    public void Hand(HttpContext http, IDataProtectionProvider provider)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Cookies.Append(CookieName, Protector(provider).Protect(JsonSerializer.Serialize(this, Json), TimeSpan.FromMinutes(10)), new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/apply", IsEssential = true,
        });
    }

    /// <summary>Reads the cookie and deletes it (a shared terminal must not show it again), or null.</summary>
    public static ApplyReceipt? Take(HttpContext http, IDataProtectionProvider provider)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
            return null;
        http.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/apply" });
        try
        {
            return JsonSerializer.Deserialize<ApplyReceipt>(Protector(provider).Unprotect(value), Json);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or JsonException)
        {
            return null;
        }
    }
}
