using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Kangen.Cli.Tests.Features.Serve;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Cli.Tests.Features.Admin;

/// <summary>A served platform on demo dates (the clock is 2026-04-01) with an administrator's staff token.</summary>
public sealed class ServedSettlement() : ServedPlatform(["--demo-dates", "--demo-operators",
    "--Kangen:Staff:Tokens:0:Id=admin-3", "--Kangen:Staff:Tokens:0:Role=admin", "--Kangen:Staff:Tokens:0:Sha256=" + StaffRoles.HashToken(Token)])
{
    public const string Token = "test-admin-token-3";

    public KangenDbContext Open() => KangenStorage.CreateContext(StorageProvider.Sqlite, "Data Source=" + Path.Combine(Data, "kangen.db"));
}

public partial class SettlementCommandTests(ServedSettlement platform) : IClassFixture<ServedSettlement>
{
    private const string Operator = "kangen-demo";

    [GeneratedRegex(@"My Key ID: ([A-Z0-9]{8})\b")]
    private static partial Regex MyKeyIdLine();

    /// <summary>A person applies with demo-ecash, kangen-demo is registered with a key and grants them 500 points in March over the signed API.</summary>
    private async Task GrantInMarchAsync()
    {
        var card = await platform.IssueCardAsync();
        var account = DemoAccounts.Create(ServiceCatalogue.LoadDefault().Find("demo-ecash")!, Random.Shared.Next(1, 1_000_000));
        var (code, output) = await platform.RunAsync(["apply", "--card", card, "--pin", "1234", "--server", platform.Url, "--service", "demo-ecash",
            .. account.SelectMany(f => new[] { "--field", $"{f.Key}={f.Value}" }), "--program", "card-acquisition", "--yes"]);
        Assert.True(code == 0, output);
        var myKeyId = MyKeyIdLine().Match(output).Groups[1].Value;
        var key = SigningKeys.Create();
        string pseudonym;
        await using (var db = platform.Open())
        {
            var person = await db.Persons.Where(p => p.MyKeyId == myKeyId).Select(p => p.Id).SingleAsync();
            pseudonym = await db.OperatorPseudonyms.Where(p => p.OperatorCode == Operator && p.PersonId == person).Select(p => p.Pseudonym).SingleAsync();
            db.Operators.Add(new OperatorAccount { Code = Operator, Status = "active", CreatedAt = platform.Time.GetUtcNow(), UpdatedAt = platform.Time.GetUtcNow() });
            db.OperatorKeys.Add(new OperatorKey
            {
                KeyId = SigningKeys.KeyId(key), OperatorCode = Operator, PublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), CreatedAt = platform.Time.GetUtcNow(),
            });
            await db.SaveChangesAsync();
        }
        using var http = new HttpClient(new SigningHandler(key, platform.Time) { InnerHandler = new HttpClientHandler() }) { BaseAddress = new Uri(platform.Url) };
        using var response = await http.PostAsJsonAsync(OperatorRoutes.Grants,
            new GrantBatch([new GrantLine("cli-1", pseudonym, "demo-ecash", "card-acquisition", 500, new DateTimeOffset(2026, 3, 10, 3, 0, 0, TimeSpan.Zero))]),
            ProtocolJson.Options);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        Assert.Contains("\"accepted\"", text, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output)> Settlement(params string[] args) =>
        platform.RunAsync(["admin", "settlement", .. args, "--server", platform.Url, "--staff-token", ServedSettlement.Token]);

    [Fact]
    public async Task The_administrator_lists_closes_and_exports_a_month()
    {
        await GrantInMarchAsync();
        var csv = Path.Combine(platform.Root, "march.csv");

        var list = await Settlement("list", "--month", "2026-03");
        var open = await Settlement("close", Operator, "--month", "2026-04");
        var close = await Settlement("close", Operator, "--month", "2026-03");
        var twice = await Settlement("close", Operator, "--month", "2026-03");
        var closedList = await Settlement("list", "--month", "2026-03");
        var export = await Settlement("export", Operator, "--month", "2026-03", "--out", csv);

        Assert.True(list.ExitCode == 0, list.Output);
        Assert.Matches(@"kangen-demo\s*│\s*estimate\s*│\s*1\s*│\s*500\s*│\s*0\s*│\s*500", list.Output);
        Assert.Equal(1, open.ExitCode);
        Assert.Contains("settlement.month-open", open.Output, StringComparison.Ordinal);
        Assert.True(close.ExitCode == 0, close.Output);
        Assert.Contains("Closed kangen-demo 2026-03: 1 lines, 500 net points", close.Output, StringComparison.Ordinal);
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("settlement.already-closed", twice.Output, StringComparison.Ordinal);
        Assert.Matches(@"kangen-demo\s*│\s*final\s*│\s*1\s*│\s*500", closedList.Output);
        Assert.True(export.ExitCode == 0, export.Output);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.Equal("key,kind,person,service,program,points,occurred_at,month,status", lines[0]);
        Assert.Single(lines[1..]);
        Assert.StartsWith("cli-1,grant,p-", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",demo-ecash,card-acquisition,500,2026-03-10T03:00:00.000Z,2026-03,accepted", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_staff_token_it_is_a_usage_error_and_a_wrong_one_is_refused()
    {
        var previous = Environment.GetEnvironmentVariable("KANGEN_STAFF_TOKEN");
        Assert.True(string.IsNullOrEmpty(previous), "the test needs KANGEN_STAFF_TOKEN unset");

        var missing = await platform.RunAsync("admin", "settlement", "list", "--month", "2026-03", "--server", platform.Url);
        var wrong = await platform.RunAsync("admin", "settlement", "list", "--month", "2026-03", "--server", platform.Url, "--staff-token", "nope");
        var badMonth = await Settlement("list", "--month", "March");

        Assert.Equal(2, missing.ExitCode);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("staff.credential-invalid", wrong.Output, StringComparison.Ordinal);
        Assert.Equal(1, badMonth.ExitCode);
        Assert.Contains("settlement.month-invalid", badMonth.Output, StringComparison.Ordinal);
    }
}
