using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kangen.Platform.Features.Applications;
using Kangen.Rules;

namespace Kangen.Platform.Tests.Platform;

/// <summary>What a client of the platform does over HTTP, in small steps so tests can break any of them.</summary>
public static class PlatformClient
{
    public sealed record Reply(HttpStatusCode Status, string? ContentType, JsonElement Body)
    {
        public string? Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("code", out var c) ? c.GetString() : null;
        public string Text(string property) => Body.GetProperty(property).GetString()!;

        /// <summary>Response headers (content headers included), first value of each.</summary>
        public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

        /// <summary>The codes of every problem in <c>problems</c> (empty when there are none).</summary>
        public IReadOnlyList<string> ProblemCodes => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("problems", out var list)
            ? list.EnumerateArray().Select(p => p.GetProperty("code").GetString()!).ToArray()
            : [];

        /// <summary>The field names of <c>errors</c> (empty when there are none).</summary>
        public IReadOnlyList<string> ErrorFields => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("errors", out var errors)
            ? errors.EnumerateObject().Select(e => e.Name).ToArray()
            : [];

        /// <summary>The raw body text.</summary>
        public string Raw { get; init; } = "";
    }

    public static async Task<Reply> SendAsync(HttpClient client, HttpMethod method, string url, object? body = null, string? token = null, string? rawJson = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (rawJson is not null)
            request.Content = new StringContent(rawJson, Encoding.UTF8, "application/json");
        else if (body is not null)
            request.Content = JsonContent.Create(body);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        var received = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            received[name] = values.First();
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, json) { Headers = received, Raw = text };
    }

    public static async Task<string> ChallengeAsync(HttpClient client, string purpose = "session")
    {
        var reply = await SendAsync(client, HttpMethod.Post, "/api/v1/challenges", new { purpose });
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Text("challenge");
    }

    public static Task<Reply> OpenSessionAsync(HttpClient client, string challenge, byte[] certificate, byte[] signature) =>
        SendAsync(client, HttpMethod.Post, "/api/v1/sessions",
            new { challenge, certificate = Convert.ToBase64String(certificate), signature = Convert.ToBase64String(signature) });

    /// <summary>The whole flow with <paramref name="card"/>: challenge, sign its UTF-8 bytes, open the session.</summary>
    public static async Task<Reply> LoginAsync(HttpClient client, TestCard card)
    {
        var challenge = await ChallengeAsync(client);
        return await OpenSessionAsync(client, challenge, card.Certificate(), card.Sign(Encoding.UTF8.GetBytes(challenge)));
    }

    /// <summary>Logs in and asserts success; returns the session token and My Key ID.</summary>
    public static async Task<(string Token, string MyKeyId)> LoginOkAsync(HttpClient client, TestCard card)
    {
        var reply = await LoginAsync(client, card);
        Assert.True(reply.Status == HttpStatusCode.Created, $"login failed: {reply.Status} {reply.Body}");
        return (reply.Text("token"), reply.Text("myKeyId"));
    }

    /// <summary><c>POST /api/v1/applications/verify-account</c> in the session of <paramref name="token"/>.</summary>
    public static Task<Reply> VerifyAccountAsync(HttpClient client, string token, string service, IReadOnlyDictionary<string, string> fields, bool forChild = false) =>
        SendAsync(client, HttpMethod.Post, "/api/v1/applications/verify-account", new { service, fields, forChild }, token);

    /// <summary>
    /// Signs <paramref name="draft"/> with a fresh <c>application</c> challenge (or <paramref name="challenge"/>) the way a
    /// client does: the statement of <see cref="ApplicationStatement"/>, signed by the card, the representative's card and,
    /// for the age proof, the card's signing key; returns the body to post.
    /// </summary>
    public static async Task<JsonObject> SignApplicationAsync(HttpClient client, ApplicationDraft draft, string? challenge = null)
    {
        ArgumentNullException.ThrowIfNull(draft);
        challenge ??= await ChallengeAsync(client, "application");
        var signedPrograms = (draft.SignedPrograms ?? draft.Programs).Select(Program);
        var statement = ApplicationStatement.Build(challenge, draft.Campaign, draft.Representative is not null, signedPrograms, draft.Service,
            draft.TermsVersion, draft.Verification, draft.PhoneLast4, draft.ChildPresent);
        var bytes = ApplicationStatement.SignedBytes(statement);
        object? Proof(TestCard? card) => card is null ? null
            : new { certificate = Convert.ToBase64String(card.Certificate()), signature = Convert.ToBase64String(card.Sign(bytes)) };
        return JsonSerializer.SerializeToNode(new
        {
            campaign = draft.Campaign,
            programs = draft.Programs,
            service = draft.Service,
            termsVersion = draft.TermsVersion,
            verification = draft.Verification,
            phoneLast4 = draft.PhoneLast4,
            challenge,
            card = Proof(draft.Card),
            representative = Proof(draft.Representative),
            childPresent = draft.ChildPresent,
            ageProof = draft.AgeProof is { } child
                ? new { certificate = Convert.ToBase64String(child.SigningCertificate()), signature = Convert.ToBase64String(child.SignWithSigningKey(bytes)) }
                : null,
        })!.AsObject();
    }

    /// <summary><c>POST /api/v1/applications</c> with a signed body, optionally with an <c>Idempotency-Key</c>.</summary>
    public static Task<Reply> PostApplicationAsync(HttpClient client, JsonObject body, string? idempotencyKey = null) =>
        SendAsync(client, HttpMethod.Post, "/api/v1/applications", body,
            headers: idempotencyKey is null ? null : new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey });

    /// <summary>Signs <paramref name="draft"/> with a fresh challenge and submits it.</summary>
    public static async Task<Reply> ApplyAsync(HttpClient client, ApplicationDraft draft, string? idempotencyKey = null) =>
        await PostApplicationAsync(client, await SignApplicationAsync(client, draft), idempotencyKey);

    private static ProgramKind Program(string code) =>
        ProgramKinds.TryParse(code, out var kind) ? kind : throw new ArgumentException($"'{code}' is not a program code.", nameof(code));
}

/// <summary>
/// What a client submits to apply (see <see cref="ApplicationStatement"/>). <see cref="SignedPrograms"/> lets a test sign
/// other programs than it sends; <see cref="AgeProof"/> is the card whose signing certificate proves the applicant's age.
/// </summary>
public sealed record ApplicationDraft(
    IReadOnlyList<string> Programs, string Service, string TermsVersion, string Verification, TestCard Card,
    TestCard? Representative = null, bool ChildPresent = false, TestCard? AgeProof = null, string? PhoneLast4 = null)
{
    /// <summary>The campaign the platform runs by default.</summary>
    public const string DefaultCampaign = "mynapoint-phase2";

    public string Campaign { get; init; } = DefaultCampaign;

    public IReadOnlyList<string>? SignedPrograms { get; init; }
}
