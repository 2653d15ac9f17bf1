using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Features.CallCentre;
using Kangen.Protocol;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Operators;

/// <summary>
/// The applying platform (demo dates, demo operators for every operator not registered) with staff credentials
/// (an admin, a municipal clerk, call-centre agents) and short verification timeouts, so a slow operator costs a
/// test about a second.
/// </summary>
public abstract class OperatorsFixture(StorageProvider provider) : CallCentreFixture(provider)
{
    protected override void Configure(IWebHostBuilder web)
    {
        base.Configure(web);
        web.UseSetting("Kangen:Operators:Verification:AttemptTimeoutSeconds", "0.5");
        web.UseSetting("Kangen:Operators:Verification:TotalTimeoutSeconds", "2");
        web.UseSetting("Kangen:Operators:Verification:Retries", "1");
        web.UseSetting("Kangen:Operators:Verification:RetryDelayMilliseconds", "20");
        web.UseSetting("Kangen:Operators:Verification:BreakSeconds", "1");
    }

    /// <summary>A request as the admin.</summary>
    public Task<Reply> AdminAsync(HttpClient client, HttpMethod method, string url, object? body = null, StaffCredential? staff = null) =>
        SendAsync(client, method, url, body, headers: new Dictionary<string, string> { ["Authorization"] = (staff ?? Admin).Authorization });

    /// <summary>Registers <paramref name="code"/> and adds a new key; returns the key.</summary>
    public async Task<ECDsa> OnboardAsync(HttpClient client, string code, string? verificationUrl = null)
    {
        var registered = await AdminAsync(client, HttpMethod.Post, "/api/v1/admin/operators", new { code, verificationUrl });
        Assert.True(registered.Status == HttpStatusCode.Created, $"registration failed: {registered.Status} {registered.Raw}");
        var key = SigningKeys.Create();
        var added = await AdminAsync(client, HttpMethod.Post, $"/api/v1/admin/operators/{code}/keys", new { publicKeyPem = SigningKeys.PublicPem(key) });
        Assert.True(added.Status == HttpStatusCode.Created, $"key registration failed: {added.Status} {added.Raw}");
        return key;
    }

    /// <summary>A client of <paramref name="factory"/> (default: the platform) that signs every request with <paramref name="key"/>.</summary>
    public HttpClient SignedClient(ECDsa key, TimeProvider? time = null, WebApplicationFactory<Program>? factory = null) =>
        (factory ?? Factory).CreateDefaultClient(new SigningHandler(key, time ?? Time));

    /// <summary>Reads the feed (NDJSON) with <paramref name="client"/>.</summary>
    public static async Task<(HttpStatusCode Status, string? ContentType, IReadOnlyList<EnrolmentRecord> Records, string Raw)> FeedAsync(
        HttpClient client, string? after = null, int? limit = null)
    {
        var query = new List<string>();
        if (after is not null)
            query.Add("after=" + Uri.EscapeDataString(after));
        if (limit is not null)
            query.Add("limit=" + limit.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await client.GetAsync(OperatorRoutes.Enrolments + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
        var raw = await response.Content.ReadAsStringAsync();
        var records = response.IsSuccessStatusCode
            ? raw.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<EnrolmentRecord>(line, ProtocolJson.Options)!).ToArray()
            : [];
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, records, raw);
    }

    /// <summary>The person with this My Key ID.</summary>
    public async Task<Guid> PersonIdAsync(string myKeyId)
    {
        await using var db = NewContext();
        return await db.Persons.Where(p => p.MyKeyId == myKeyId).Select(p => p.Id).SingleAsync();
    }

    /// <summary>Row counts of the operator tables and the audit log.</summary>
    public async Task<(int Operators, int Keys, int Events, int Suspensions, int Audit)> CountOperatorRowsAsync()
    {
        await using var db = NewContext();
        return (await db.Operators.CountAsync(), await db.OperatorKeys.CountAsync(), await db.EnrolmentEvents.CountAsync(),
            await db.LinkSuspensions.CountAsync(), await db.AuditLog.CountAsync());
    }

    /// <summary>A signed request built by hand (for tampering): signed with <paramref name="signWith"/> under <paramref name="keyId"/>.</summary>
    public static async Task<HttpRequestMessage> SignedRequestAsync(HttpMethod method, string url, ECDsa signWith, string keyId, TimeProvider time, string? json = null)
    {
        var request = new HttpRequestMessage(method, new Uri(new Uri("http://localhost"), url));
        if (json is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        await SigningHandler.SignAsync(request, signWith, keyId, time, CancellationToken.None);
        return request;
    }
}

public sealed class SqliteOperatorsFixture() : OperatorsFixture(StorageProvider.Sqlite);

public sealed class PostgresOperatorsFixture() : OperatorsFixture(StorageProvider.Postgres);
