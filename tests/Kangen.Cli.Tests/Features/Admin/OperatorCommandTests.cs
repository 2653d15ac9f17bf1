using System.Text.RegularExpressions;
using Kangen.Cli.Tests.Features.Serve;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Features.Staff;
using Kangen.Protocol;

namespace Kangen.Cli.Tests.Features.Admin;

/// <summary>A served platform on demo dates with an admin and a municipal clerk configured by the hashes of their tokens.</summary>
public sealed class ServedAdministration() : ServedPlatform(["--demo-dates", "--demo-operators",
    "--Kangen:Staff:Tokens:0:Id=admin-1", "--Kangen:Staff:Tokens:0:Role=admin", "--Kangen:Staff:Tokens:0:Sha256=" + StaffRoles.HashToken(AdminToken),
    "--Kangen:Staff:Tokens:1:Id=clerk-1", "--Kangen:Staff:Tokens:1:Role=municipal", "--Kangen:Staff:Tokens:1:Sha256=" + StaffRoles.HashToken(ClerkToken)])
{
    public const string AdminToken = "test-admin-token-1";
    public const string ClerkToken = "test-clerk-token-1";
}

/// <summary><c>kangen admin operator ...</c> and <c>kangen admin link ...</c> against a served platform.</summary>
public partial class OperatorCommandTests(ServedAdministration platform) : IClassFixture<ServedAdministration>
{
    [GeneratedRegex(@"My Key ID: ([A-Z0-9]{8})\b")]
    private static partial Regex MyKeyIdLine();

    private Task<(int ExitCode, string Output)> Admin(params string[] args) =>
        platform.RunAsync(["admin", .. args, "--server", platform.Url, "--staff-token", ServedAdministration.AdminToken]);

    private Task<(int ExitCode, string Output)> Clerk(params string[] args) =>
        platform.RunAsync(["admin", .. args, "--server", platform.Url, "--staff-token", ServedAdministration.ClerkToken]);

    private string PublicKeyFile(out string keyId)
    {
        using var key = SigningKeys.Create();
        keyId = SigningKeys.KeyId(key);
        var path = Path.Combine(platform.Root, keyId + ".pub.pem");
        File.WriteAllText(path, SigningKeys.PublicPem(key));
        return path;
    }

    [Fact]
    public async Task An_admin_adds_lists_updates_an_operator_and_adds_and_revokes_its_key()
    {
        var file = PublicKeyFile(out var keyId);

        var added = await Admin("operator", "add", "sakura-pay", "--verification-url", "https://verify.sakura.example/v1");
        var key = await Admin("operator", "key-add", "sakura-pay", "--public-key", file);
        var listed = await Admin("operator", "list");
        var updated = await Admin("operator", "update", "sakura-pay", "--status", "suspended");
        var revoked = await Admin("operator", "key-revoke", "sakura-pay", keyId);
        var after = await Admin("operator", "list");

        Assert.True(added.ExitCode == 0, added.Output);
        Assert.Contains("Registered sakura-pay: active, endpoint https://verify.sakura.example/v1", added.Output);
        Assert.Contains("sakura-card, sakura-money, sakura-pay", added.Output);
        Assert.True(key.ExitCode == 0, key.Output);
        Assert.Contains(keyId, key.Output);
        Assert.True(listed.ExitCode == 0, listed.Output);
        Assert.Contains("sakura-pay", listed.Output);
        Assert.Contains(keyId, listed.Output);
        Assert.True(updated.ExitCode == 0, updated.Output);
        Assert.Contains("Updated sakura-pay: suspended", updated.Output);
        Assert.True(revoked.ExitCode == 0, revoked.Output);
        Assert.Contains("Key revoked: " + keyId, revoked.Output);
        Assert.DoesNotContain(keyId, after.Output);
    }

    [Fact]
    public async Task Refusals_print_the_platforms_code_and_exit_1_and_bad_command_lines_exit_2()
    {
        var file = PublicKeyFile(out _);
        var junk = Path.Combine(platform.Root, "junk.pem");
        await File.WriteAllTextAsync(junk, "not a key");
        Assert.Equal(0, (await Admin("operator", "add", "hinode")).ExitCode);

        var unknown = await Admin("operator", "add", "no-such-operator");
        var twice = await Admin("operator", "add", "hinode");
        var badUrl = await Admin("operator", "add", "kaede-bank", "--verification-url", "ftp://kaede.example");
        var badKey = await Admin("operator", "key-add", "hinode", "--public-key", junk);
        var notRegistered = await Admin("operator", "key-add", "kumo-net", "--public-key", file);
        var clerk = await Clerk("operator", "add", "kaede-bank");
        var badStatus = await Admin("operator", "update", "hinode", "--status", "closed");
        var nothing = await Admin("operator", "update", "hinode");
        var missingFile = await Admin("operator", "key-add", "hinode", "--public-key", Path.Combine(platform.Root, "missing.pem"));
        var noToken = await platform.RunAsync("admin", "operator", "list", "--server", platform.Url, "--staff-token", " ");

        Assert.Equal((1, true), (unknown.ExitCode, unknown.Output.Contains("operators.code-unknown")));
        Assert.Equal((1, true), (twice.ExitCode, twice.Output.Contains("operators.already-registered")));
        Assert.Equal((1, true), (badUrl.ExitCode, badUrl.Output.Contains("operators.request-invalid")));
        Assert.Equal((1, true), (badKey.ExitCode, badKey.Output.Contains("operators.key-invalid")));
        Assert.Equal((1, true), (notRegistered.ExitCode, notRegistered.Output.Contains("operators.not-registered")));
        Assert.Equal((1, true), (clerk.ExitCode, clerk.Output.Contains("staff.role-forbidden")));
        Assert.Equal(2, badStatus.ExitCode);
        Assert.Equal(2, nothing.ExitCode);
        Assert.Equal(2, missingFile.ExitCode);
        Assert.Equal((2, true), (noToken.ExitCode, noToken.Output.Contains("KANGEN_STAFF_TOKEN")));
        Assert.DoesNotContain("kaede-bank", (await Admin("operator", "list")).Output);
    }

    [Fact]
    public async Task A_clerk_suspends_and_resumes_a_persons_links()
    {
        var card = await platform.IssueCardAsync();
        var account = DemoAccounts.Create(ServiceCatalogue.LoadDefault().Find("demo-ecash")!, Random.Shared.Next(1, 1_000_000));
        var (applied, applyOutput) = await platform.RunAsync(["apply", "--card", card, "--pin", "1234", "--server", platform.Url, "--service", "demo-ecash",
            .. account.SelectMany(f => new[] { "--field", $"{f.Key}={f.Value}" }), "--program", "card-acquisition", "--yes"]);
        Assert.True(applied == 0, applyOutput);
        var myKeyId = MyKeyIdLine().Match(applyOutput).Groups[1].Value;

        var suspended = await Clerk("link", "suspend", "--my-key-id", myKeyId, "--reason", "fraud");
        var twice = await Clerk("link", "suspend", "--my-key-id", myKeyId, "--reason", "death");
        var resumed = await Admin("link", "resume", "--my-key-id", myKeyId);
        var again = await Clerk("link", "resume", "--my-key-id", myKeyId);
        var nobody = await Clerk("link", "suspend", "--my-key-id", "ZZZZZZZ9", "--reason", "death");
        var badReason = await Clerk("link", "suspend", "--my-key-id", myKeyId, "--reason", "moved");

        Assert.True(suspended.ExitCode == 0, suspended.Output);
        Assert.Contains($"Suspended {myKeyId} (fraud); 1 operator feed record(s) written.", suspended.Output);
        Assert.Equal((1, true), (twice.ExitCode, twice.Output.Contains("links.already-suspended")));
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        Assert.Contains($"Resumed {myKeyId}", resumed.Output);
        Assert.Equal((1, true), (again.ExitCode, again.Output.Contains("links.not-suspended")));
        Assert.Equal((1, true), (nobody.ExitCode, nobody.Output.Contains("links.person-unknown")));
        Assert.Equal(2, badReason.ExitCode);
    }
}
