using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Features.Applications;
using Kangen.Platform.Tests.Features.CallCentre;
using Kangen.Protocol;
using Kangen.Rules;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;

namespace Kangen.Platform.Tests.Features.Grants;

/// <summary>A registered operator: its code, a service of its own that accepts every program, and a client signing with its key.</summary>
public sealed record TestOperator(string Code, string Service, HttpClient Client, string KeyId);

/// <summary>An operator chosen for a test, before it is registered: its main service (every program) and another of its services.</summary>
public sealed record OperatorPlan(string Code, string Service, string OtherService);

/// <summary>A person who applied through an operator's service, known to the operator by <paramref name="Pseudonym"/>.</summary>
public sealed record Enrolled(Guid PersonId, string Pseudonym, string Service);

/// <summary>
/// The applying platform (demo dates: the fake clock, 2026-04-01 12:00 JST, is 2022-10-15 of the campaign) with an
/// administrator's staff token, operators registered by inserting their account and key rows, and persons who
/// applied over HTTP. Tests that close months take an operator of their own (<see cref="NewOperatorAsync"/>), so
/// the shared ledger of one operator is never settled under another test.
/// </summary>
public abstract class GrantsFixture(StorageProvider provider) : ApplyingFixture(provider)
{
    private int _nextOperator;
    private string[]? _operators;

    /// <summary>The operator of the demo services (demo-pay, demo-ecash).</summary>
    public const string DemoOperator = "kangen-demo";

    /// <summary>An instant of March 2026 (a month that has ended by the fixture's clock), inside every grant window.</summary>
    public static readonly DateTimeOffset InMarch = new(2026, 3, 10, 3, 0, 0, TimeSpan.Zero);

    public StaffCredential Admin { get; } = new("admin-settle", StaffRoles.Admin, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    public StaffCredential Agent { get; } = new("agent-settle", StaffRoles.CallCentre, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    protected override void Configure(IWebHostBuilder web)
    {
        base.Configure(web);
        var index = 0;
        foreach (var staff in new[] { Admin, Agent })
        {
            web.UseSetting($"Kangen:Staff:Tokens:{index}:Id", staff.Id);
            web.UseSetting($"Kangen:Staff:Tokens:{index}:Role", staff.Role);
            web.UseSetting($"Kangen:Staff:Tokens:{index}:Sha256", StaffRoles.HashToken(staff.Token));
            index++;
        }
    }

    /// <summary>A client of the administrator (or of another staff credential).</summary>
    public HttpClient StaffClient(StaffCredential? staff = null)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Staff", (staff ?? Admin).Token);
        return client;
    }

    /// <summary>Registers the planned operator.</summary>
    public Task<TestOperator> RegisterAsync(OperatorPlan plan) => RegisterAsync(plan.Code);

    /// <summary>Registers <paramref name="code"/> (if not yet) with a new key and returns a client signing with it.</summary>
    public async Task<TestOperator> RegisterAsync(string code)
    {
        var key = SigningKeys.Create();
        await using (var db = NewContext())
        {
            if (!await db.Operators.AnyAsync(o => o.Code == code))
                db.Operators.Add(new OperatorAccount { Code = code, Status = "active", CreatedAt = Time.GetUtcNow(), UpdatedAt = Time.GetUtcNow() });
            db.OperatorKeys.Add(new OperatorKey
            {
                KeyId = SigningKeys.KeyId(key), OperatorCode = code, CreatedAt = Time.GetUtcNow(),
                PublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
            });
            await db.SaveChangesAsync();
        }
        return new TestOperator(code, MainService(code), Factory.CreateDefaultClient(new SigningHandler(key, Time)), SigningKeys.KeyId(key));
    }

    /// <summary>
    /// An operator of the catalogue no other test of this fixture uses, not registered yet: enrol its persons first,
    /// then <see cref="RegisterAsync"/> it (a registered operator's accounts are verified at its own endpoint, which
    /// these operators do not have; until registered, the demo operators verify them).
    /// </summary>
    public OperatorPlan ReserveOperator()
    {
        _operators ??= [.. Catalogue.All.Where(s => s.LastDay is null && ProgramKinds.All.All(s.Accepts)).Select(s => s.Operator)
            .Where(o => o != DemoOperator && Catalogue.All.Count(s => s.Operator == o) >= 2).Distinct().Order(StringComparer.Ordinal)];
        var next = Interlocked.Increment(ref _nextOperator);
        if (next > _operators.Length)
            throw new InvalidOperationException($"Only {_operators.Length} operators in the catalogue.");
        var code = _operators[next - 1];
        var service = MainService(code);
        return new OperatorPlan(code, service, Catalogue.All.First(s => s.Operator == code && s.Code.Value != service).Code.Value);
    }

    private string MainService(string code) => Catalogue.All.First(s => s.Operator == code && s.LastDay is null && ProgramKinds.All.All(s.Accepts)).Code.Value;

    /// <summary>A planned operator with <paramref name="count"/> persons who applied with its main service for <paramref name="programs"/>, registered.</summary>
    public async Task<(TestOperator Operator, Enrolled[] Persons)> OperatorWithAsync(int count, params string[] programs)
    {
        var plan = ReserveOperator();
        var persons = new Enrolled[count];
        for (var i = 0; i < count; i++)
            persons[i] = await EnrolAsync(plan.Service, programs);
        return (await RegisterAsync(plan), persons);
    }

    /// <summary>
    /// A new person who applies for <paramref name="programs"/> with <paramref name="service"/> (registering parts 2 and 3
    /// first when asked for), and the pseudonym its operator knows them by.
    /// </summary>
    public async Task<Enrolled> EnrolAsync(string service, params string[] programs)
    {
        using var client = CreateClient();
        var applicant = await SignInAsync(client, IssueCard());
        if (programs.Contains(Health))
            await RegisterHealthInsuranceAsync(client, applicant.Token);
        if (programs.Contains(PublicFund))
            await RegisterPublicFundAccountAsync(client, applicant.Token);
        await ApplySelfOkAsync(client, applicant, service, NewAccount(service), programs);
        await using var db = NewContext();
        var person = await db.Persons.Where(p => p.MyKeyId == applicant.MyKeyId).Select(p => p.Id).SingleAsync();
        var operatorCode = Service(service).Operator;
        var pseudonym = await db.OperatorPseudonyms.Where(p => p.OperatorCode == operatorCode && p.PersonId == person).Select(p => p.Pseudonym).SingleAsync();
        return new Enrolled(person, pseudonym, service);
    }

    /// <summary>A new person who applied for card acquisition with an open service of the demo operator.</summary>
    public async Task<Guid> CardApplicantAsync()
    {
        var service = Catalogue.All.First(s => s.Operator == DemoOperator && s.LastDay is null && s.Accepts(ProgramKind.CardAcquisition)).Code.Value;
        return (await EnrolAsync(service, ProgramKind.CardAcquisition.ToCode())).PersonId;
    }

    /// <summary>The person's running totals row (zeros when none).</summary>
    public async Task<GrantTotal> TotalsAsync(Guid person)
    {
        await using var db = NewContext();
        return await db.GrantTotals.AsNoTracking().SingleOrDefaultAsync(t => t.PersonId == person)
            ?? new GrantTotal { Campaign = "", PersonId = person };
    }

    /// <summary>The sum of the person's ledger points per program.</summary>
    public async Task<Dictionary<string, long>> LedgerSumsAsync(Guid person)
    {
        await using var db = NewContext();
        return (await db.Grants.AsNoTracking().Where(g => g.PersonId == person).Select(g => new { g.Program, g.Points }).ToListAsync())
            .GroupBy(g => g.Program).ToDictionary(g => g.Key, g => g.Sum(x => x.Points));
    }

    /// <summary>Rows of the grant ledger and of the audit log.</summary>
    public async Task<(int Grants, int Audit)> LedgerCountsAsync()
    {
        await using var db = NewContext();
        return (await db.Grants.CountAsync(), await db.AuditLog.CountAsync());
    }
}

public sealed class SqliteGrantsFixture() : GrantsFixture(StorageProvider.Sqlite);

public sealed class PostgresGrantsFixture() : GrantsFixture(StorageProvider.Postgres);

/// <summary>Calls of the operator API.</summary>
public static class OperatorCalls
{
    public static GrantLine Line(string key, Enrolled person, string program, long points, DateTimeOffset? at = null, string? service = null) =>
        new(key, person.Pseudonym, service ?? person.Service, program, points, at ?? GrantsFixture.InMarch);

    public static string NewKey(string prefix = "g") => prefix + "-" + Guid.NewGuid().ToString("N");

    public static async Task<IReadOnlyList<GrantResult>> GrantAsync(TestOperator op, params GrantLine[] lines)
    {
        using var response = await op.Client.PostAsJsonAsync(OperatorRoutes.Grants, new GrantBatch(lines), ProtocolJson.Options);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"grants: {response.StatusCode} {text}");
        return System.Text.Json.JsonSerializer.Deserialize<GrantBatchResult>(text, ProtocolJson.Options)!.Results;
    }

    public static async Task<GrantResult> GrantOneAsync(TestOperator op, GrantLine line) => (await GrantAsync(op, line)).Single();

    public static async Task<IReadOnlyList<CancellationResult>> CancelAsync(TestOperator op, params CancellationLine[] lines)
    {
        using var response = await op.Client.PostAsJsonAsync(OperatorRoutes.Cancellations, new CancellationBatch(lines), ProtocolJson.Options);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"cancellations: {response.StatusCode} {text}");
        return System.Text.Json.JsonSerializer.Deserialize<CancellationBatchResult>(text, ProtocolJson.Options)!.Results;
    }

    /// <summary>Posts an NDJSON body and returns the answer's lines.</summary>
    public static async Task<(HttpStatusCode Status, string[] Lines, string Raw)> PostNdjsonAsync(HttpClient client, string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, OperatorRoutes.Ndjson);
        using var response = await client.PostAsync(path, content);
        var raw = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, raw.Split('\n', StringSplitOptions.RemoveEmptyEntries), raw);
    }

    /// <summary>Envelopes are equal field by field, their program lists element by element.</summary>
    public static void AssertEnvelope(SettlementEnvelope expected, SettlementEnvelope actual)
    {
        Assert.Equal(expected with { Programs = Array.Empty<ProgramTotal>() }, actual with { Programs = Array.Empty<ProgramTotal>() });
        Assert.Equal(expected.Programs, actual.Programs);
    }

    public static string Ndjson<T>(IEnumerable<T> lines) =>
        string.Concat(lines.Select(l => System.Text.Json.JsonSerializer.Serialize(l, ProtocolJson.Options) + "\n"));
}
