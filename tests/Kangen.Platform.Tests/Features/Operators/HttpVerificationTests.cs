using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Kangen.Platform.Features.Operators;
using Kangen.Platform.Tests.Features.Applications;
using Kangen.Platform.Tests.Platform;
using Kangen.Protocol;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Operators;

/// <summary>
/// Account verification against a registered operator's endpoint on a real socket: verified and rejected answers
/// reach the applicant, every call is signed with the platform's key, and a slow, failing, garbled or stopped operator
/// is "retry later" with nothing written, until it answers again. Run on SQLite and on PostgreSQL; each test uses an
/// operator (so a circuit) of its own.
/// </summary>
public abstract class HttpVerificationTests<TFixture>(TFixture fixture) where TFixture : OperatorsFixture
{
    protected TFixture Fixture { get; } = fixture;

    private async Task<FakeOperatorEndpoint> EndpointAsync(HttpClient client, string operatorCode)
    {
        // The operator trusts the platform key it fetched, as a real one does.
        using var response = await client.GetAsync(OperatorRoutes.PlatformKey);
        Assert.True(SigningKeys.TryReadPublic(await response.Content.ReadAsStringAsync(), out var platformKey, out var reason), reason);
        var endpoint = new FakeOperatorEndpoint(platformKey!, Fixture.Time);
        await endpoint.StartAsync();
        var registered = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/operators", new { code = operatorCode, verificationUrl = endpoint.Url });
        Assert.True(registered.Status == HttpStatusCode.Created, registered.Raw);
        return endpoint;
    }

    [Fact]
    public async Task A_registered_operators_verified_and_rejected_answers_reach_the_applicant_and_every_call_is_signed()
    {
        // The real operator side (Kangen.Operator) on a real socket, trusting the platform key it was given: an
        // unsigned or wrongly signed call would be refused (401), which the platform would report as unavailable.
        using var client = Fixture.CreateClient();
        using var keyResponse = await client.GetAsync(OperatorRoutes.PlatformKey);
        var platformPem = await keyResponse.Content.ReadAsStringAsync();
        var data = Directory.CreateTempSubdirectory("kangen-operator-hinode-").FullName;
        await using var hinode = Kangen.Operator.Hosting.OperatorHost.Build(["--urls=http://127.0.0.1:0"],
            new Kangen.Operator.Hosting.OperatorOptions { Code = "hinode", Data = data, PlatformKeyPem = platformPem, Background = false },
            builder => builder.Services.AddSingleton<TimeProvider>(Fixture.Time));
        await hinode.StartAsync();
        var registered = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/operators",
            new { code = "hinode", verificationUrl = hinode.Urls.First() + "/kangen/verify" });
        Assert.True(registered.Status == HttpStatusCode.Created, registered.Raw);
        var service = Kangen.Operator.Services.OperatorServices.Load("hinode").Find("hinode-money")!;
        Kangen.Operator.Accounts.OpenedAccount account;
        await using (var db = new Kangen.Operator.Storage.OperatorStore(data, "hinode").Open())
            account = (await Kangen.Operator.Accounts.AccountBook.OpenAsync(db, service, 1, new Random(6), Fixture.Time.GetUtcNow(), CancellationToken.None))[0];
        var secret = service.Fields.First(f => f.Secret).Name;
        var wrongCode = account.Fields.ToDictionary(f => f.Key, f => f.Key == secret ? Flip(f.Value) : f.Value);
        var applicant = await SignInAsync(client, Fixture.IssueCard());

        var verified = await VerifyAccountAsync(client, applicant.Token, "hinode-money", account.Fields);
        var applied = await ApplyAsync(client, new ApplicationDraft([Card], "hinode-money", verified.Body.GetProperty("terms").GetProperty("version").GetString()!,
            verified.Text("verification"), applicant.Card));
        var mismatch = await VerifyAccountAsync(client, applicant.Token, "hinode-money", wrongCode);
        var unknown = await VerifyAccountAsync(client, applicant.Token, "hinode-money", Fixture.NewAccount("hinode-money"));

        Assert.Equal(HttpStatusCode.OK, verified.Status);
        Assert.Equal(Kangen.Operator.Accounts.AccountBook.Mask(account.HolderKana), verified.Text("maskedHolderName"));
        Assert.Equal(HttpStatusCode.Created, applied.Status);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "application.account-not-verified"), (mismatch.Status, mismatch.Code));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "application.account-not-verified"), (unknown.Status, unknown.Code));
        // The operator finds the application in its feed under the reference its own store gave.
        var key = SigningKeys.Create();
        await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/operators/hinode/keys", new { publicKeyPem = SigningKeys.PublicPem(key) });
        using var feedClient = Fixture.SignedClient(key);
        var record = Assert.Single((await OperatorsFixture.FeedAsync(feedClient)).Records);
        Assert.Equal(account.Reference, record.AccountReference);
        Assert.Equal(("hinode-money", Card), (record.Service, record.Program));
        await hinode.StopAsync();
    }

    // Another character of the same class, so the code keeps its shape and only its value is wrong.
    private static string Flip(string value) =>
        value[..^1] + (char.IsDigit(value[^1]) ? (char)('0' + (value[^1] - '0' + 1) % 10) : value[^1] == 'A' ? 'B' : 'A');

    [Fact]
    public async Task A_slow_failing_or_garbled_operator_is_retry_later_within_the_time_limit_and_nothing_is_written()
    {
        using var client = Fixture.CreateClient();
        await using var endpoint = await EndpointAsync(client, "hotaru-card");
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var before = await Fixture.CountApplicationsAsync();

        endpoint.Behaviour = OperatorBehaviour.Slow;
        var slow = await VerifyAccountAsync(client, applicant.Token, "hotaru-gold", Fixture.NewAccount("hotaru-gold"));
        endpoint.Behaviour = OperatorBehaviour.Error;
        var callsBefore = endpoint.Calls;
        var failing = await VerifyAccountAsync(client, applicant.Token, "hotaru-gold", Fixture.NewAccount("hotaru-gold"));
        var failingCalls = endpoint.Calls - callsBefore;
        endpoint.Behaviour = OperatorBehaviour.Garbled;
        var garbled = await VerifyAccountAsync(client, applicant.Token, "hotaru-gold", Fixture.NewAccount("hotaru-gold"));

        foreach (var reply in new[] { slow, failing, garbled })
        {
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "application.operator-unavailable"), (reply.Status, reply.Code));
            Assert.Equal("30", reply.Headers["Retry-After"]);
        }
        // The platform gave up (its attempt and total timeouts) rather than waiting for the operator's late 504.
        Assert.Contains("did not answer in time", slow.Text("detail"), StringComparison.Ordinal);
        Assert.Equal(2, failingCalls); // the first attempt and one retry (Retries = 1 in the fixture)
        Assert.Equal(0, endpoint.BadSignatures);
        Assert.Equal(before with { Audit = 0 }, (await Fixture.CountApplicationsAsync()) with { Audit = 0 });
    }

    [Fact]
    public async Task An_operator_that_stops_answering_gives_retry_later_and_no_application_and_then_recovers()
    {
        using var client = Fixture.CreateClient();
        await using var endpoint = await EndpointAsync(client, "wakaba-mobile");
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var fields = Fixture.NewAccount("wakaba-pay");
        await endpoint.StopAsync();
        var before = await Fixture.CountApplicationsAsync();

        var down = await VerifyAccountAsync(client, applicant.Token, "wakaba-pay", fields);
        var afterDown = await Fixture.CountApplicationsAsync();
        await endpoint.StartAsync();
        var back = await ApplySelfAsync(client, applicant, "wakaba-pay", fields, Card);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "application.operator-unavailable"), (down.Status, down.Code));
        Assert.Equal(before, afterDown);
        Assert.Equal(HttpStatusCode.Created, back.Status);
        Assert.Equal(before.Submissions + 1, (await Fixture.CountApplicationsAsync()).Submissions);
    }

    [Fact]
    public async Task A_failing_operators_circuit_opens_so_its_applicants_are_answered_at_once_and_closes_when_it_recovers()
    {
        // A platform whose verification calls run on a network clock of this test's own, so the break ends when the
        // test moves that clock, not when a loaded machine gets round to it, and no attempt times out however slowly
        // it runs. Retries go at once: a retry's delay would wait on that clock too.
        var network = new FakeTimeProvider(PlatformFixture.Start);
        using var platform = Fixture.StartReplica(services => services.AddKeyedSingleton<TimeProvider>(OperatorAccountVerifier.NetworkClock, network),
            ("Kangen:Operators:Verification:RetryDelayMilliseconds", "0"));
        using var client = platform.CreateClient();
        await using var failing = await EndpointAsync(client, "kagayaki-fin");
        await using var healthy = await EndpointAsync(client, "umi-shinkin");
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        failing.Behaviour = OperatorBehaviour.Error;

        // Five verifications of two attempts each: ten failures in the sampling window open the circuit.
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await VerifyAccountAsync(client, applicant.Token, "kagayaki-pay", Fixture.NewAccount("kagayaki-pay"))).Status);
        var callsWhenOpened = failing.Calls;
        var whileOpen = await VerifyAccountAsync(client, applicant.Token, "kagayaki-pay", Fixture.NewAccount("kagayaki-pay"));
        var otherOperator = await VerifyAccountAsync(client, applicant.Token, "umi-pay", Fixture.NewAccount("umi-pay"));
        failing.Behaviour = OperatorBehaviour.Verified;
        network.Advance(TimeSpan.FromSeconds(0.9)); // BreakSeconds = 1 in the fixture
        var beforeBreakEnds = await VerifyAccountAsync(client, applicant.Token, "kagayaki-pay", Fixture.NewAccount("kagayaki-pay"));
        network.Advance(TimeSpan.FromSeconds(0.2));
        var recovered = await VerifyAccountAsync(client, applicant.Token, "kagayaki-pay", Fixture.NewAccount("kagayaki-pay"));

        Assert.Equal(10, callsWhenOpened);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "application.operator-unavailable"), (whileOpen.Status, whileOpen.Code));
        Assert.Equal(HttpStatusCode.OK, otherOperator.Status);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "application.operator-unavailable"), (beforeBreakEnds.Status, beforeBreakEnds.Code));
        Assert.Equal(HttpStatusCode.OK, recovered.Status);
        Assert.Equal(callsWhenOpened + 1, failing.Calls);
    }

    [Fact]
    public async Task A_suspended_operator_or_one_without_an_endpoint_is_retry_later_without_being_called()
    {
        using var client = Fixture.CreateClient();
        await using var endpoint = await EndpointAsync(client, "kamome-air");
        await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/operators", new { code = "koharu" });
        var applicant = await SignInAsync(client, Fixture.IssueCard());

        await Fixture.AdminAsync(client, HttpMethod.Patch, "/api/v1/admin/operators/kamome-air", new { status = "suspended" });
        var suspended = await VerifyAccountAsync(client, applicant.Token, "kamome-card", Fixture.NewAccount("kamome-card"));
        var noEndpoint = await VerifyAccountAsync(client, applicant.Token, "koharu-money", Fixture.NewAccount("koharu-money"));
        await Fixture.AdminAsync(client, HttpMethod.Patch, "/api/v1/admin/operators/kamome-air", new { status = "active" });
        var active = await VerifyAccountAsync(client, applicant.Token, "kamome-card", Fixture.NewAccount("kamome-card"));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "application.operator-unavailable"), (suspended.Status, suspended.Code));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "application.operator-unavailable"), (noEndpoint.Status, noEndpoint.Code));
        Assert.Equal(HttpStatusCode.OK, active.Status);
        Assert.Equal(1, endpoint.Calls);
    }
}

public sealed class SqliteHttpVerificationTests(SqliteOperatorsFixture fixture)
    : HttpVerificationTests<SqliteOperatorsFixture>(fixture), IClassFixture<SqliteOperatorsFixture>;

public sealed class PostgresHttpVerificationTests(PostgresOperatorsFixture fixture)
    : HttpVerificationTests<PostgresOperatorsFixture>(fixture), IClassFixture<PostgresOperatorsFixture>;
