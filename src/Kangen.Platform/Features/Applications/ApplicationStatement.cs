using System.Security.Cryptography;
using System.Text;
using Kangen.Rules;

namespace Kangen.Platform.Features.Applications;

/// <summary>
/// The text every card involved signs to submit an application (flow 3): the card signs the SHA-256 DigestInfo of its
/// UTF-8 bytes, as for a session challenge. It binds the fresh challenge (so the card is present now) to everything the
/// application decides: campaign, programs, service, terms version, the verified account (through the verification
/// token's hash), the phone digits, whether it is for a child and whether the child is present. The server rebuilds it
/// from the submitted fields; a change of any field breaks every signature. Lines are <c>name=value</c>, joined by
/// <c>\n</c>, in this order:
/// <code>
/// kangen-application-v1
/// challenge=&lt;challenge text&gt;
/// campaign=&lt;campaign id&gt;
/// for=self|child
/// programs=&lt;program codes in part order, comma-separated&gt;
/// service=&lt;service code&gt;
/// terms=&lt;terms version&gt;
/// verification=&lt;SHA-256 hex (lower case) of the verification token's UTF-8 text&gt;
/// phone-last4=&lt;4 digits, or empty&gt;
/// child-present=true|false
/// </code>
/// </summary>
public static class ApplicationStatement
{
    /// <summary>The first line.</summary>
    public const string Header = "kangen-application-v1";

    /// <summary>The statement text.</summary>
    public static string Build(string challenge, string campaign, bool forChild, IEnumerable<ProgramKind> programs, string service,
        string termsVersion, string verificationToken, string? phoneLast4, bool childPresent)
    {
        ArgumentNullException.ThrowIfNull(programs);
        ArgumentNullException.ThrowIfNull(verificationToken);
        var ordered = string.Join(",", programs.Distinct().OrderBy(p => p.Part()).Select(p => p.ToCode()));
        return string.Join("\n",
            Header,
            "challenge=" + challenge,
            "campaign=" + campaign,
            "for=" + (forChild ? "child" : "self"),
            "programs=" + ordered,
            "service=" + service,
            "terms=" + termsVersion,
            "verification=" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(verificationToken))),
            "phone-last4=" + (phoneLast4 ?? ""),
            "child-present=" + (childPresent ? "true" : "false"));
    }

    /// <summary>The bytes a card signs (UTF-8 of the text).</summary>
    public static byte[] SignedBytes(string statement) => Encoding.UTF8.GetBytes(statement);

    /// <summary>SHA-256 of the statement, lower-case hex: what the application record keeps.</summary>
    public static string Hash(string statement) => Convert.ToHexStringLower(SHA256.HashData(SignedBytes(statement)));
}
