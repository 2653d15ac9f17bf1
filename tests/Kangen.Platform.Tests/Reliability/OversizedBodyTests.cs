using System.Net;
using System.Text;
using Kangen.Platform.Features.Operators;

namespace Kangen.Platform.Tests.Reliability;

/// <summary>
/// Bodies one byte over each reader's limit, with a Content-Length and chunked (no length known in advance): citizen and
/// staff JSON bodies over 64 KB are refused with 400 and the area's request code (detail: larger than 64 KB), operator JSON
/// bodies over 1 MB as 413 <c>operator.body-too-large</c>; never a 5xx, nothing written.
/// </summary>
public abstract class OversizedBodyTests<TFixture>(TFixture fixture) where TFixture : HostileFixture
{
    private const int CitizenLimit = 64 * 1024;

    public static TheoryData<string, string, Caller, bool> Operations()
    {
        var data = new TheoryData<string, string, Caller, bool>();
        foreach (var chunked in new[] { false, true })
        {
            data.Add("POST", "/api/v1/challenges", Caller.Anonymous, chunked);
            data.Add("POST", "/api/v1/sessions", Caller.Anonymous, chunked);
            data.Add("PUT", "/api/v1/me/my-key-id", Caller.Citizen, chunked);
            data.Add("PUT", "/api/v1/me/registrations/health-insurance", Caller.Citizen, chunked);
            data.Add("PUT", "/api/v1/me/registrations/public-fund-account", Caller.Citizen, chunked);
            data.Add("POST", "/api/v1/applications/verify-account", Caller.Citizen, chunked);
            data.Add("POST", "/api/v1/applications", Caller.Anonymous, chunked);
            data.Add("POST", "/api/v1/call-centre/lookups", Caller.Agent, chunked);
            data.Add("POST", "/api/v1/admin/operators", Caller.Admin, chunked);
            data.Add("PATCH", "/api/v1/admin/operators/" + HostileFixture.OperatorCode, Caller.Admin, chunked);
            data.Add("POST", "/api/v1/admin/links/suspend", Caller.Clerk, chunked);
            data.Add("PUT", "/api/v1/admin/admission", Caller.Admin, chunked);
            data.Add("POST", "/api/v1/operator/grants", Caller.Operator, chunked);
            data.Add("POST", "/api/v1/operator/grants/cancellations", Caller.Operator, chunked);
            data.Add("POST", "/api/v1/operator/keys", Caller.Operator, chunked);
            data.Add("POST", "/api/v1/operator/settlements/2026-03/confirm", Caller.Operator, chunked);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task A_body_one_byte_over_the_limit_is_refused_with_its_code_and_changes_nothing(string method, string url, Caller caller, bool chunked)
    {
        await fixture.ReadyAsync();
        var limit = caller == Caller.Operator ? OperatorBodies.MaxJsonBytes : CitizenLimit;
        // Valid JSON all the way, so only the size can be the reason.
        var padding = limit + 1 - "{\"pad\":\"\"}".Length;
        var body = Encoding.ASCII.GetBytes("{\"pad\":\"" + new string('x', padding) + "\"}");
        Assert.Equal(limit + 1, body.Length);
        var before = await fixture.FingerprintAsync();

        using var client = fixture.ClientFor(caller);
        using var request = new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = chunked ? new StreamContent(new UnseekableStream(body)) : new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (chunked)
            request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var code = HostileFixture.ProblemCode(response.Content.Headers.ContentType?.MediaType, text);

        if (caller == Caller.Operator)
            Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "operator.body-too-large"), (response.StatusCode, code));
        else
        {
            // Each area answers with its own request code (admission.settings-invalid, reservation.my-key-id-invalid...).
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest && code is not null, $"{(int)response.StatusCode} {text}");
            Assert.Contains("64 KB", text, StringComparison.Ordinal);
        }
        Assert.Empty(before.Differences(await fixture.FingerprintAsync()));
    }

    /// <summary>A stream of unknown length, so the client sends it chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

public sealed class SqliteOversizedBodyTests(SqliteHostileFixture fixture)
    : OversizedBodyTests<SqliteHostileFixture>(fixture), IClassFixture<SqliteHostileFixture>;

public sealed class PostgresOversizedBodyTests(PostgresHostileFixture fixture)
    : OversizedBodyTests<PostgresHostileFixture>(fixture), IClassFixture<PostgresHostileFixture>;
