using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Features.CallCentre;
using Kangen.Platform.Tests.Features.Operators;
using Kangen.Protocol;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Reliability;

/// <summary>Who sends a hostile request: nobody, a signed-in citizen, staff (admin, municipal clerk, call-centre agent) or an operator.</summary>
public enum Caller
{
    Anonymous,
    Citizen,
    Admin,
    Clerk,
    Agent,
    Operator,
}

/// <summary>
/// The applying platform with every kind of caller ready: a citizen's session, staff credentials and an operator
/// onboarded through the admin API (<see cref="OperatorCode"/>), so each hostile request reaches past authentication
/// to the body reader and the rules.
/// </summary>
public abstract class HostileFixture(StorageProvider provider) : OperatorsFixture(provider)
{
    /// <summary>The operator the fixture onboards.</summary>
    public const string OperatorCode = "ginga-pay";

    private readonly SemaphoreSlim _ready = new(1, 1);
    private string? _citizenToken;
    private ECDsa? _operatorKey;
    private StaffCredential? _agent;

    /// <summary>The citizen's session token.</summary>
    public string CitizenToken => _citizenToken ?? throw new InvalidOperationException("Call ReadyAsync first.");

    /// <summary>The call-centre agent of the fixture's hostile requests.</summary>
    public StaffCredential Agent => _agent ?? throw new InvalidOperationException("Call ReadyAsync first.");

    /// <summary>Signs in the citizen and onboards the operator, once.</summary>
    public async Task ReadyAsync()
    {
        await _ready.WaitAsync();
        try
        {
            if (_citizenToken is not null)
                return;
            using var client = CreateClient();
            (_citizenToken, _) = await LoginOkAsync(client, IssueCard());
            _operatorKey = await OnboardAsync(client, OperatorCode);
            _agent = NewAgent();
        }
        finally
        {
            _ready.Release();
        }
    }

    /// <summary>A client that authenticates every request as <paramref name="caller"/>.</summary>
    public HttpClient ClientFor(Caller caller)
    {
        if (caller == Caller.Operator)
            return SignedClient(_operatorKey ?? throw new InvalidOperationException("Call ReadyAsync first."));
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = caller switch
        {
            Caller.Anonymous => null,
            Caller.Citizen => new AuthenticationHeaderValue("Bearer", CitizenToken),
            Caller.Admin => new AuthenticationHeaderValue("Staff", Admin.Token),
            Caller.Clerk => new AuthenticationHeaderValue("Staff", Clerk.Token),
            Caller.Agent => new AuthenticationHeaderValue("Staff", _agent!.Token),
            _ => throw new ArgumentOutOfRangeException(nameof(caller)),
        };
        return client;
    }

    /// <summary>The database's fingerprint now.</summary>
    public async Task<DatabaseFingerprint> FingerprintAsync()
    {
        await using var db = NewContext();
        return await DatabaseFingerprint.TakeAsync(db);
    }

    /// <summary>The write operations of the platform's OpenAPI document: "METHOD /path" and whether it declares a body.</summary>
    public async Task<IReadOnlyList<(string Operation, bool HasBody)>> WriteOperationsAsync()
    {
        using var client = CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var operations = new List<(string, bool)>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
                if (operation.Name is "post" or "put" or "patch" or "delete")
                    operations.Add(($"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value.TryGetProperty("requestBody", out _)));
        Assert.NotEmpty(operations);
        return operations;
    }

    /// <summary>Sends <paramref name="body"/> as <paramref name="caller"/>; returns the status, content type and body text.</summary>
    public async Task<(HttpStatusCode Status, string? ContentType, string Text)> SendRawAsync(
        Caller caller, HttpMethod method, string url, byte[]? body, string? contentType)
    {
        using var client = ClientFor(caller);
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null)
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The <c>code</c> of a problem body, or null when the body is no problem with a code.</summary>
    public static string? ProblemCode(string? contentType, string text)
    {
        if (contentType != "application/problem+json" || text.Length == 0)
            return null;
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("code", out var code)
                && code.ValueKind == JsonValueKind.String && code.GetString() is { Length: > 0 } value ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A P-256 public key in PEM, as an operator registers it.</summary>
    public static string SomePublicKeyPem()
    {
        using var key = SigningKeys.Create();
        return SigningKeys.PublicPem(key);
    }
}

public sealed class SqliteHostileFixture() : HostileFixture(StorageProvider.Sqlite);

public sealed class PostgresHostileFixture() : HostileFixture(StorageProvider.Postgres);
