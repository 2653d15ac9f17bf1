using System.Net.Http.Json;
using Kangen.Platform.Features.Applications;
using Kangen.Rules;

namespace Kangen.Cli.Features.Bench;

/// <summary>
/// The application a bench citizen sends (the card acquisition program for the person themself): the statement the
/// card signs and the request body carrying the signature, as a client builds them. One place for every load scenario.
/// </summary>
internal static class BenchApplication
{
    /// <summary>
    /// Builds the statement over <paramref name="challenge"/>, has <paramref name="sign"/> (the card) sign it, and returns
    /// the body of <c>POST /api/v1/applications</c>.
    /// </summary>
    /// <param name="sign">The card's signature over the given bytes: the certificate and the signature.</param>
    public static object Body(Func<byte[], (byte[] Certificate, byte[] Signature)> sign, string challenge, string campaign, string service,
        string terms, string verification)
    {
        ArgumentNullException.ThrowIfNull(sign);
        var statement = ApplicationStatement.Build(challenge, campaign, forChild: false, [ProgramKind.CardAcquisition], service, terms,
            verification, phoneLast4: null, childPresent: false);
        var (certificate, signature) = sign(ApplicationStatement.SignedBytes(statement));
        return new
        {
            campaign,
            programs = new[] { ProgramKind.CardAcquisition.ToCode() },
            service,
            termsVersion = terms,
            verification,
            challenge,
            card = new { certificate = Convert.ToBase64String(certificate), signature = Convert.ToBase64String(signature) },
            childPresent = false,
        };
    }

    /// <summary>The body of <c>POST /api/v1/sessions</c>: the challenge, the card's certificate and its signature over the challenge.</summary>
    public static object Session(string challenge, byte[] certificate, byte[] signature) => new
    {
        challenge,
        certificate = Convert.ToBase64String(certificate),
        signature = Convert.ToBase64String(signature),
    };

    /// <summary>A JSON POST of <paramref name="body"/> to <paramref name="path"/>.</summary>
    public static HttpRequestMessage Post(string path, object body) => new(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
}
