using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Kangen.Operator.Hosting;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Features.Grants;
using Kangen.Platform.Tests.Platform;
using Kangen.Protocol;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;

namespace Kangen.Platform.Tests.Features.OperatorSide;

/// <summary>A person who applied through a service of the operator under test: their card, My Key ID, platform id and pseudonym.</summary>
public sealed record OperatorCustomer(TestCard Card, string MyKeyId, Guid PersonId, string Pseudonym, string Service)
{
    /// <summary>As the grants helpers take a person.</summary>
    public Enrolled AsEnrolled => new(PersonId, Pseudonym, Service);
}

/// <summary>An operator of the catalogue chosen for one test: its code and a service of its own that grants at purchase and takes every program.</summary>
public sealed record OperatorChoice(string Code, string Service);

/// <summary>
/// The real platform (<see cref="GrantsFixture"/>: demo dates on the fake clock, an administrator's staff token) with
/// the real operator side (<see cref="OperatorRuntime"/>, Kangen.Operator) talking to it over HTTP: the operator's
/// platform client goes through the test server's handler, signs with the fixture's fake clock (so signatures are fresh
/// whatever the test does to the clock), and the platform checks every signature against the key registered here.
/// Each test takes an operator of its own, so ledgers, feeds and caps never mix between tests.
/// </summary>
public abstract class OperatorSideFixture(StorageProvider provider) : GrantsFixture(provider)
{
    private OperatorChoice[]? _choices;
    private int _next;

    /// <summary>
    /// An operator no other test of this fixture uses, with an at-purchase service taking every program (the operator's
    /// side reads the same catalogue, so it applies that timing). Persons are enrolled before the operator is registered:
    /// until then the demo operators verify its accounts.
    /// </summary>
    public OperatorChoice ReserveOperatorSide()
    {
        _choices ??= [.. Catalogue.All
            .Where(s => s.LastDay is null && s.GrantTiming == "at-purchase" && s.Operator != DemoOperator && ProgramKinds.All.All(s.Accepts))
            .GroupBy(s => s.Operator, StringComparer.Ordinal)
            .OrderByDescending(g => g.Key, StringComparer.Ordinal) // from the end: the grants helpers reserve from the start
            .Select(g => new OperatorChoice(g.Key, g.OrderBy(s => s.Code.Value, StringComparer.Ordinal).First().Code.Value))];
        var next = Interlocked.Increment(ref _next);
        return next <= _choices.Length ? _choices[next - 1] : throw new InvalidOperationException($"Only {_choices.Length} at-purchase operators in the catalogue.");
    }

    /// <summary>A new person who applies with <paramref name="service"/> for <paramref name="programs"/> (registering parts 2 and 3 first when asked for).</summary>
    public async Task<OperatorCustomer> EnrolCustomerAsync(string service, params string[] programs)
    {
        using var client = CreateClient();
        var card = IssueCard();
        var applicant = await SignInAsync(client, card);
        if (programs.Contains(Health))
            await RegisterHealthInsuranceAsync(client, applicant.Token);
        if (programs.Contains(PublicFund))
            await RegisterPublicFundAccountAsync(client, applicant.Token);
        await ApplySelfOkAsync(client, applicant, service, NewAccount(service), programs);
        await using var db = NewContext();
        var person = await db.Persons.Where(p => p.MyKeyId == applicant.MyKeyId).Select(p => p.Id).SingleAsync();
        var operatorCode = Service(service).Operator;
        var pseudonym = await db.OperatorPseudonyms.Where(p => p.OperatorCode == operatorCode && p.PersonId == person).Select(p => p.Pseudonym).SingleAsync();
        return new OperatorCustomer(card, applicant.MyKeyId, person, pseudonym, service);
    }

    /// <summary>Registers <paramref name="code"/> (account and key rows, as onboarding leaves them) and returns its new private key.</summary>
    public async Task<ECDsa> RegisterWithKeyAsync(string code)
    {
        var key = SigningKeys.Create();
        await using var db = NewContext();
        if (!await db.Operators.AnyAsync(o => o.Code == code))
            db.Operators.Add(new OperatorAccount { Code = code, Status = "active", CreatedAt = Time.GetUtcNow(), UpdatedAt = Time.GetUtcNow() });
        db.OperatorKeys.Add(new OperatorKey
        {
            KeyId = SigningKeys.KeyId(key), OperatorCode = code, CreatedAt = Time.GetUtcNow(),
            PublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
        });
        await db.SaveChangesAsync();
        return key;
    }

    /// <summary>A fresh data folder for an operator's store (deleted with the fixture).</summary>
    public string NewOperatorFolder()
    {
        var folder = System.IO.Path.Combine(Root, "operators", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>The operator's options against this platform (no background worker: the test drives it).</summary>
    public OperatorOptions OptionsFor(string code, ECDsa key, string folder) => new()
    {
        Code = code,
        Platform = Factory.Server.BaseAddress.ToString(),
        KeyPem = SigningKeys.PrivatePem(key),
        Data = folder,
        Background = false,
    };

    /// <summary>The handler under the operator's signing: the test server's, seen by <paramref name="traffic"/> when given.</summary>
    public Func<HttpMessageHandler> Transport(PlatformTraffic? traffic = null) =>
        () => traffic is null ? Factory.Server.CreateHandler() : new TrafficHandler(traffic) { InnerHandler = Factory.Server.CreateHandler() };

    /// <summary>A wired operator on the fixture's clock.</summary>
    public OperatorRuntime Runtime(OperatorOptions options, PlatformTraffic? traffic = null) => new(options, Time, Transport(traffic));

    /// <summary>The positions of the operator's feed records on the platform, in feed order, as cursors.</summary>
    public async Task<string[]> FeedPositionsAsync(string code)
    {
        await using var db = NewContext();
        var rows = await db.EnrolmentEvents.AsNoTracking().Where(e => e.OperatorCode == code)
            .Select(e => new { e.AuditSequence, e.Ordinal }).ToListAsync();
        return [.. rows.OrderBy(r => r.AuditSequence).ThenBy(r => r.Ordinal)
            .Select(r => r.AuditSequence.ToString(CultureInfo.InvariantCulture) + "." + r.Ordinal.ToString(CultureInfo.InvariantCulture))];
    }

    /// <summary>The platform's grant ledger rows of the operator, by key.</summary>
    public async Task<List<GrantEntry>> PlatformGrantsAsync(string code)
    {
        await using var db = NewContext();
        return (await db.Grants.AsNoTracking().Where(g => g.OperatorCode == code).ToListAsync()).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary><c>POST /api/v1/admin/links/suspend</c> as the administrator, asserting 200.</summary>
    public async Task SuspendAsync(OperatorCustomer person, string reason)
    {
        using var admin = StaffClient();
        using var response = await admin.PostAsJsonAsync("/api/v1/admin/links/suspend", new { myKeyId = person.MyKeyId, reason });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary><c>POST /api/v1/admin/links/resume</c> as the administrator, asserting 200.</summary>
    public async Task ResumeAsync(OperatorCustomer person)
    {
        using var admin = StaffClient();
        using var response = await admin.PostAsJsonAsync("/api/v1/admin/links/resume", new { myKeyId = person.MyKeyId });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }
}

public sealed class SqliteOperatorSideFixture() : OperatorSideFixture(StorageProvider.Sqlite);

public sealed class PostgresOperatorSideFixture() : OperatorSideFixture(StorageProvider.Postgres);

/// <summary>One request of the operator to the platform and the platform's answer, as they crossed the wire.</summary>
/// <param name="Method">GET or POST.</param>
/// <param name="PathAndQuery">The path and query.</param>
/// <param name="Request">The request body (JSON bodies only; a streamed bulk file is not read here).</param>
/// <param name="Status">The platform's status.</param>
/// <param name="Answer">The platform's answer.</param>
/// <param name="Lost">True when the answer was dropped on its way back (see <see cref="PlatformTraffic.LoseAnswers"/>).</param>
public sealed record Exchange(string Method, string PathAndQuery, string? Request, HttpStatusCode Status, string Answer, bool Lost);

/// <summary>
/// What went between the operator and the platform, and a way to lose answers: the request reaches the real platform,
/// which does its work, and then the connection drops before the answer is read, as a network cut does.
/// </summary>
public sealed class PlatformTraffic
{
    private readonly ConcurrentQueue<Exchange> _exchanges = new();
    private int _lose;
    private string? _losePath;
    private Func<Task>? _meanwhile;
    private string? _meanwhilePath;

    /// <summary>Everything so far, in order.</summary>
    public IReadOnlyList<Exchange> Exchanges => [.. _exchanges];

    /// <summary>The exchanges of <paramref name="path"/> (query ignored).</summary>
    public IReadOnlyList<Exchange> Of(string path) => [.. _exchanges.Where(e => e.PathAndQuery.Split('?')[0] == path)];

    /// <summary>The answers of the next <paramref name="count"/> requests to <paramref name="path"/> are lost after the platform handled them.</summary>
    public void LoseAnswers(string path, int count)
    {
        _losePath = path;
        Volatile.Write(ref _lose, count);
    }

    /// <summary>
    /// Runs <paramref name="action"/> once, when the platform has answered the next request to <paramref name="path"/>
    /// and before its caller gets the answer: another party acting in between.
    /// </summary>
    public void Meanwhile(string path, Func<Task> action)
    {
        _meanwhilePath = path;
        Volatile.Write(ref _meanwhile, action);
    }

    internal void Add(Exchange exchange) => _exchanges.Enqueue(exchange);

    internal Func<Task>? TakeMeanwhile(string path) => path == _meanwhilePath ? Interlocked.Exchange(ref _meanwhile, null) : null;

    internal bool TakeLoss(string path) => path == _losePath && Interlocked.Decrement(ref _lose) >= 0;
}

/// <summary>The handler that records into <see cref="PlatformTraffic"/> and drops the answers it was told to.</summary>
public sealed class TrafficHandler(PlatformTraffic traffic) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var pathAndQuery = request.RequestUri!.PathAndQuery;
        // Only JSON bodies are read: they are buffered (the retry pipeline resends them); a bulk file is a stream.
        var body = request.Content?.Headers.ContentType?.MediaType == "application/json" ? await request.Content.ReadAsStringAsync(cancellationToken) : null;
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        var lost = traffic.TakeLoss(pathAndQuery.Split('?')[0]);
        traffic.Add(new Exchange(request.Method.Method, pathAndQuery, body, response.StatusCode, answer, lost));
        if (traffic.TakeMeanwhile(pathAndQuery.Split('?')[0]) is { } meanwhile)
            await meanwhile();
        if (!lost)
            return response;
        response.Dispose();
        throw new HttpRequestException("The connection dropped before the platform's answer arrived.");
    }
}
