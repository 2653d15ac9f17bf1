using System.Net;
using System.Security.Cryptography;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Features.Applications;
using Kangen.Platform.Tests.Platform;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.CallCentre;

/// <summary>A configured staff credential: its id (as the audit log names it) and the token to send.</summary>
public sealed record StaffCredential(string Id, string Role, string Token)
{
    public string Authorization => "Staff " + Token;
}

/// <summary>
/// The applying platform (demo dates) with staff credentials configured by hash (<c>Kangen:Staff:Tokens</c>) and small
/// call-centre limits, so tests reach them in a few lookups. The clock does not move in a shared fixture, so every test
/// takes agents of its own (<see cref="NewAgent"/>) and looks up My Key IDs of its own.
/// </summary>
public abstract class CallCentreFixture(StorageProvider provider) : ApplyingFixture(provider)
{
    public const int PerCallerPerMinute = 6;
    public const int PerMyKeyIdPerHour = 3;
    private const int Agents = 64;

    private readonly StaffCredential[] _agents = Enumerable.Range(1, Agents)
        .Select(i => new StaffCredential($"agent-{i:D2}", StaffRoles.CallCentre, NewToken())).ToArray();
    private int _nextAgent;

    public StaffCredential Admin { get; } = new("admin-1", StaffRoles.Admin, NewToken());

    public StaffCredential Clerk { get; } = new("clerk-1", StaffRoles.Municipal, NewToken());

    protected override void Configure(IWebHostBuilder web)
    {
        base.Configure(web);
        var index = 0;
        foreach (var staff in _agents.Append(Admin).Append(Clerk))
        {
            web.UseSetting($"Kangen:Staff:Tokens:{index}:Id", staff.Id);
            web.UseSetting($"Kangen:Staff:Tokens:{index}:Role", staff.Role);
            web.UseSetting($"Kangen:Staff:Tokens:{index}:Sha256", StaffRoles.HashToken(staff.Token));
            index++;
        }
        web.UseSetting("Kangen:CallCentre:PerCallerPerMinute", PerCallerPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        web.UseSetting("Kangen:CallCentre:PerMyKeyIdPerHour", PerMyKeyIdPerHour.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A call-centre agent no other test of this fixture uses.</summary>
    public StaffCredential NewAgent()
    {
        var next = Interlocked.Increment(ref _nextAgent);
        return next <= Agents ? _agents[next - 1] : throw new InvalidOperationException($"Only {Agents} agents are configured.");
    }

    /// <summary>A well-formed My Key ID that no person holds.</summary>
    public async Task<string> UnknownMyKeyIdAsync()
    {
        await using var db = NewContext();
        while (true)
        {
            var id = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8);
            if (!await db.Persons.AnyAsync(p => p.MyKeyId == id))
                return id;
        }
    }

    /// <summary>A person who applied for part 1 with demo-pay, giving <paramref name="phoneLast4"/> (or no phone digits).</summary>
    public async Task<Applicant> AppliedAsync(HttpClient client, string? phoneLast4)
    {
        var applicant = await SignInAsync(client, IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", NewAccount("demo-pay"));
        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card,
            PhoneLast4: phoneLast4));
        Assert.True(reply.Status == HttpStatusCode.Created, $"application failed: {reply.Status} {reply.Raw}");
        return applicant;
    }

    /// <summary>A started fixture of its own, for a test that moves the clock.</summary>
    public static async Task<CallCentreFixture> StartAsync(StorageProvider provider)
    {
        var fixture = new OwnCallCentreFixture(provider);
        await fixture.InitializeAsync();
        return fixture;
    }

    private static string NewToken() => "kst_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private sealed class OwnCallCentreFixture(StorageProvider provider) : CallCentreFixture(provider);
}

public sealed class SqliteCallCentreFixture() : CallCentreFixture(StorageProvider.Sqlite);

public sealed class PostgresCallCentreFixture() : CallCentreFixture(StorageProvider.Postgres);

/// <summary><c>POST /api/v1/call-centre/lookups</c>.</summary>
public static class CallCentreClient
{
    public const string Url = "/api/v1/call-centre/lookups";

    public static Task<Reply> LookupAsync(HttpClient client, StaffCredential? staff, string? myKeyId, string? phoneLast4) =>
        LookupAsync(client, staff?.Authorization, myKeyId, phoneLast4);

    /// <summary>A lookup with <paramref name="authorization"/> as the whole <c>Authorization</c> header (or none).</summary>
    public static Task<Reply> LookupAsync(HttpClient client, string? authorization, string? myKeyId, string? phoneLast4) =>
        SendAsync(client, HttpMethod.Post, Url, new { myKeyId, phoneLast4 }, headers: Authorization(authorization));

    /// <summary>A lookup with a raw body.</summary>
    public static Task<Reply> LookupRawAsync(HttpClient client, StaffCredential staff, string rawJson) =>
        SendAsync(client, HttpMethod.Post, Url, rawJson: rawJson, headers: Authorization(staff.Authorization));

    private static Dictionary<string, string>? Authorization(string? value) =>
        value is null ? null : new Dictionary<string, string> { ["Authorization"] = value };
}
