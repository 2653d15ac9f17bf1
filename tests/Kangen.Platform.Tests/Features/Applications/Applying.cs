using System.Net;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Tests.Platform;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Applications;

/// <summary>A person with an open session.</summary>
public sealed record Applicant(TestCard Card, string Token, string MyKeyId);

/// <summary>An account the operator confirmed: the token to apply with and the terms version in force.</summary>
public sealed record VerifiedAccount(string Verification, string TermsVersion, Reply Reply);

/// <summary>The steps of flow 3 over HTTP, asserting the ones a test does not examine.</summary>
public static class Applying
{
    public const string Card = "card-acquisition";
    public const string Health = "health-insurance";
    public const string PublicFund = "public-fund-account";

    public static async Task<Applicant> SignInAsync(HttpClient client, TestCard card)
    {
        var (token, myKeyId) = await LoginOkAsync(client, card);
        return new Applicant(card, token, myKeyId);
    }

    public static async Task<VerifiedAccount> VerifyOkAsync(HttpClient client, string token, string service, IReadOnlyDictionary<string, string> fields, bool forChild = false)
    {
        var reply = await VerifyAccountAsync(client, token, service, fields, forChild);
        Assert.True(reply.Status == HttpStatusCode.OK, $"verify-account failed: {reply.Status} {reply.Raw}");
        return new VerifiedAccount(reply.Text("verification"), reply.Body.GetProperty("terms").GetProperty("version").GetString()!, reply);
    }

    /// <summary>Verifies <paramref name="fields"/> in the applicant's session and applies for themselves.</summary>
    public static async Task<Reply> ApplySelfAsync(HttpClient client, Applicant applicant, string service, IReadOnlyDictionary<string, string> fields,
        params string[] programs)
    {
        var verified = await VerifyOkAsync(client, applicant.Token, service, fields);
        return await ApplyAsync(client, new ApplicationDraft(programs, service, verified.TermsVersion, verified.Verification, applicant.Card));
    }

    /// <summary>As <see cref="ApplySelfAsync"/>, asserting 201.</summary>
    public static async Task<Reply> ApplySelfOkAsync(HttpClient client, Applicant applicant, string service, IReadOnlyDictionary<string, string> fields,
        params string[] programs)
    {
        var reply = await ApplySelfAsync(client, applicant, service, fields, programs);
        Assert.True(reply.Status == HttpStatusCode.Created, $"application failed: {reply.Status} {reply.Raw}");
        return reply;
    }

    /// <summary>Registers the card for health insurance use (part 2) in the person's session.</summary>
    public static async Task RegisterHealthInsuranceAsync(HttpClient client, string token)
    {
        const string body = "0613001";
        var reply = await SendAsync(client, HttpMethod.Put, "/api/v1/me/registrations/health-insurance",
            new { insurerNumber = body + HealthInsuranceCard.CheckDigit(body), symbol = "12", number = "3456", branchNumber = "01" }, token);
        Assert.True(reply.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"registration failed: {reply.Status} {reply.Raw}");
    }

    /// <summary>Registers a public-fund receipt account (part 3) in the person's session.</summary>
    public static async Task RegisterPublicFundAccountAsync(HttpClient client, string token)
    {
        var reply = await SendAsync(client, HttpMethod.Put, "/api/v1/me/registrations/public-fund-account",
            new { bankCode = "0001", branchCode = "001", accountType = "ordinary", accountNumber = "7654321", holderName = "ミホン ハナコ" }, token);
        Assert.True(reply.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"registration failed: {reply.Status} {reply.Raw}");
    }
}
