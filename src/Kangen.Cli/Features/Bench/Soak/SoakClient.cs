using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kangen.Platform.Features.Applications;
using Kangen.Protocol;
using Kangen.Rules;

namespace Kangen.Cli.Features.Bench.Soak;

/// <summary>
/// What a fault's clients saw: every request timed into the fault's <see cref="BenchPhase"/>, answers counted by their
/// problem code (or <c>no-answer</c> when the connection failed), retries counted. A retryable failure (no answer, a 503)
/// is expected while a fault is injected and is not an error of the phase; an unexpected answer (a 500, a code the
/// step does not expect) is, and fails the fault.
/// </summary>
internal sealed class FaultTally(BenchPhase phase)
{
    /// <summary>What a request that got no answer (refused, reset, timed out) is counted as.</summary>
    public const string NoAnswer = "no-answer";

    private readonly ConcurrentDictionary<string, long> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _resent = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _unexpected = new();
    private long _requests;
    private long _retries;
    private long _replays;
    private long _cut;

    public BenchPhase Phase { get; } = phase;

    public long Requests => Interlocked.Read(ref _requests);

    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Answers that were neither a success, nor an expected refusal, nor retryable.</summary>
    public long Unexpected => _unexpected.Count;

    public IReadOnlyList<string> UnexpectedSamples => [.. _unexpected.Take(20)];

    /// <summary>Failures and refusals by code, sorted by code.</summary>
    public IReadOnlyDictionary<string, long> Codes => new SortedDictionary<string, long>(_codes, StringComparer.Ordinal);

    public long Count(string code) => _codes.GetValueOrDefault(code);

    /// <summary>Lines the platform answered as replays of a key it had recorded (a retry whose first answer was lost).</summary>
    public long Replays => Interlocked.Read(ref _replays);

    public void Request() => Interlocked.Increment(ref _requests);

    public void Replay() => Interlocked.Increment(ref _replays);

    /// <summary>Requests that were sent on a connection and got no answer (cut), as opposed to a connection refused.</summary>
    public long Cut => Interlocked.Read(ref _cut);

    /// <summary>How often requests of <paramref name="operation"/> were sent again as they were.</summary>
    public long Resent(string operation) => _resent.GetValueOrDefault(operation);

    /// <summary>A request sent again (of <paramref name="operation"/>, when it was sent again as it was).</summary>
    public void Retry(string? operation = null)
    {
        Interlocked.Increment(ref _retries);
        if (operation is not null)
            _resent.AddOrUpdate(operation, 1, (_, n) => n + 1);
    }

    public void Cutoff() => Interlocked.Increment(ref _cut);

    /// <summary>The counts so far, so one run of a fault can judge only its own (the tally lives across the soak's rounds).</summary>
    public FaultTallySnapshot Snapshot() => new(Unexpected, Cut, new Dictionary<string, long>(_codes, StringComparer.Ordinal),
        new Dictionary<string, long>(_resent, StringComparer.Ordinal));

    public void Code(string code) => _codes.AddOrUpdate(code, 1, (_, n) => n + 1);

    public void Fail(string what)
    {
        _unexpected.Enqueue(what);
        Code("unexpected");
    }
}

/// <summary>A <see cref="FaultTally"/>'s counts at one moment.</summary>
internal sealed record FaultTallySnapshot(long Unexpected, long Cut, IReadOnlyDictionary<string, long> Codes, IReadOnlyDictionary<string, long> Resent);

/// <summary>One answer: status (null when none came), the JSON body, the problem code, the wait the platform asked for.</summary>
internal sealed record SoakReply(HttpStatusCode? Status, JsonElement Body, string? Code, TimeSpan? RetryAfter)
{
    public bool Success => Status is { } s && (int)s is >= 200 and < 300;

    /// <summary>Worth sending again as it is: no answer, or a 503 (the platform says nothing was recorded).</summary>
    public bool Retryable => Status is null or HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout;

    public string? Text(string path) => BenchReply.TextAt(Body, path);

    public override string ToString() => Status is null ? FaultTally.NoAnswer : $"{(int)Status} {Code ?? Body.GetRawText()}";
}

/// <summary>
/// The fault's HTTP client, as a careful real client: a request that gets no answer or a 503 is sent again, as it is
/// (same body, same idempotency key), to the next replica in turn after the <c>Retry-After</c> it was given (at most a
/// second), for at most <see cref="GiveUpAfter"/>; anything else is the answer.
/// </summary>
internal sealed class SoakClient(SoakEnvironment environment, FaultTally tally, CancellationToken cancellationToken)
{
    /// <summary>How long a client keeps retrying one request (a replica restart on two loaded cores takes a few seconds).</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    private readonly int[] _inFlight = new int[Math.Max(environment.Clients.Count, environment.OperatorClients.Count)];
    private readonly Lock _inFlightLock = new();
    private Armed? _armed;

    private TimeProvider Time => environment.Time;

    public FaultTally Tally => tally;

    /// <summary>
    /// Arms <paramref name="strike"/>: the next request sent to <paramref name="replica"/> runs it, synchronously, once it
    /// has been handed to the connection and before its answer is awaited, so the fault lands while that request is in
    /// flight. The task gives the requests in flight on the replica when it struck; 0 when <paramref name="giveUp"/>
    /// completed first (no load left: the fault must strike on its own).
    /// </summary>
    public Task<int> StrikeDuringRequestAsync(int replica, Action strike, Task giveUp)
    {
        var armed = new Armed(replica, strike, new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_inFlightLock)
            _armed = armed;
        _ = giveUp.ContinueWith(_ =>
        {
            lock (_inFlightLock)
            {
                if (_armed != armed)
                    return;
                _armed = null;
            }
            armed.Struck.TrySetResult(0);
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return armed.Struck.Task;
    }

    private sealed record Armed(int Replica, Action Strike, TaskCompletionSource<int> Struck);

    /// <summary>Sends <paramref name="create"/>'s request to replica <paramref name="replica"/>, retrying as described; the last answer.</summary>
    public async Task<SoakReply> SendAsync(string operation, int replica, Func<HttpRequestMessage> create, bool signed = false, string? bearer = null)
    {
        var clients = signed ? environment.OperatorClients : environment.Clients;
        var started = Time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            var index = (replica + attempt) % clients.Count;
            var reply = await SendOnceAsync(operation, clients[index], index, create, bearer);
            if (!reply.Retryable || Time.GetElapsedTime(started) > GiveUpAfter)
                return reply;
            tally.Retry(operation);
            var pause = reply.RetryAfter is { } after && after > TimeSpan.Zero && after < TimeSpan.FromSeconds(1) ? after : RetryPause;
            await Task.Delay(reply.Status is null ? RetryPause : pause, Time, cancellationToken);
        }
    }

    /// <summary>Sends <paramref name="create"/>'s request to replica <paramref name="replica"/> once, without retrying; its answer (counted on the tally).</summary>
    public Task<SoakReply> SendOnceAsync(string operation, int replica, Func<HttpRequestMessage> create)
    {
        var index = replica % environment.Clients.Count;
        return SendOnceAsync(operation, environment.Clients[index], index, create, bearer: null);
    }

    private async Task<SoakReply> SendOnceAsync(string operation, HttpClient client, int replica, Func<HttpRequestMessage> create, string? bearer)
    {
        using var request = create();
        if (bearer is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        tally.Request();
        var sent = Time.GetTimestamp();
        Armed? strike = null;
        int inFlight;
        lock (_inFlightLock)
        {
            inFlight = ++_inFlight[replica];
            if (_armed is { } armed && armed.Replica == replica)
                (strike, _armed) = (armed, null);
        }
        try
        {
            var sending = client.SendAsync(request, cancellationToken);
            if (strike is not null)
            {
                strike.Strike();
                strike.Struck.TrySetResult(inFlight);
            }
            using var response = await sending;
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement body = default;
            try
            {
                if (text.Length > 0)
                {
                    using var document = JsonDocument.Parse(text);
                    body = document.RootElement.Clone();
                }
            }
            catch (JsonException)
            {
                // A body that is not JSON (an HTML error page) has no code: it is counted by its status.
            }
            var code = BenchReply.TextAt(body, "code");
            var retryAfter = response.Headers.RetryAfter?.Delta;
            var reply = new SoakReply(response.StatusCode, body, code, retryAfter);
            if (!reply.Success)
                tally.Code(code ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            tally.Phase.Record(reply.Success ? operation : reply.Retryable ? operation + " (retryable)" : operation + " (refused)",
                Time.GetElapsedTime(sent), error: (int)response.StatusCode >= 500 && !reply.Retryable, reply.ToString());
            return reply;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            tally.Code(FaultTally.NoAnswer);
            // A refused connection never reached a replica; anything else (reset, ended response, timeout) was cut.
            if (e is not HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
                tally.Cutoff();
            tally.Phase.Record(operation + " (retryable)", Time.GetElapsedTime(sent), error: false);
            return new SoakReply(null, default, null, null);
        }
        finally
        {
            lock (_inFlightLock)
                _inFlight[replica]--;
        }
    }
}

/// <summary>A citizen of a fault: a card and the account fields typed in.</summary>
internal sealed record SoakCitizen(BenchCard Card, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>
    /// The card's signature, one at a time: a citizen's devices in a race share the one card (as a card moved from reader to
    /// reader), and the emulated card, like a real one, holds its selected file between commands.
    /// </summary>
    public (byte[] Certificate, byte[] Signature) Sign(ReadOnlySpan<byte> data)
    {
        lock (Card.Card)
            return Card.Sign(data);
    }
}

/// <summary>A citizen signed in and with the account verified, ready to submit: what a device holds before the last step.</summary>
internal sealed record PreparedApplication(SoakCitizen Citizen, string Token, string Verification, string Terms);

/// <summary>How a submission ended.</summary>
/// <param name="ApplicationId">The application number when recorded (or replayed).</param>
/// <param name="Code">The problem code when refused, <c>no-answer</c> or the last retryable code when the client gave up.</param>
internal sealed record Submission(string? ApplicationId, string? Code)
{
    public bool Recorded => ApplicationId is not null;
}

/// <summary>The citizen's steps over HTTP (as <see cref="CitizenFlow"/>, with the retries of <see cref="SoakClient"/>).</summary>
internal static class CitizenSteps
{
    /// <summary>
    /// Challenge, card signature, session, then the account verification, all at <paramref name="replica"/> and the
    /// replicas after it. A session whose answer was lost starts again from a new challenge (a challenge is single-use).
    /// Null after an unexpected answer, counted on the tally.
    /// </summary>
    public static async Task<PreparedApplication?> PrepareAsync(SoakClient client, SoakCitizen citizen, int replica)
    {
        string? token = null;
        for (var attempt = 0; attempt < 5 && token is null; attempt++)
        {
            var challenge = await client.SendAsync("session challenge", replica, () => BenchApplication.Post("api/v1/challenges", new { purpose = "session" }));
            if (challenge.Text("challenge") is not { } text)
                return Unexpected(client, "session challenge", challenge);
            var (certificate, signature) = citizen.Sign(Encoding.UTF8.GetBytes(text));
            var session = await client.SendAsync("session", replica + 1, () => BenchApplication.Post("api/v1/sessions", new
            {
                challenge = text,
                certificate = Convert.ToBase64String(certificate),
                signature = Convert.ToBase64String(signature),
            }));
            token = session.Text("token");
            // Sent again after a lost answer, the challenge may already be used: a new one is drawn.
            if (token is null && !session.Retryable && session.Code != Kangen.Platform.Features.Identity.IdentityProblems.ChallengeUsed.Code)
                return Unexpected(client, "session", session);
            if (token is null)
                client.Tally.Retry();
        }
        if (token is null)
            return null;
        var verified = await client.SendAsync("verify account", replica + 2,
            () => BenchApplication.Post("api/v1/applications/verify-account", new { service = SoakEnvironment.Service, fields = citizen.Fields, forChild = false }), bearer: token);
        if (verified.Text("verification") is not { } verification || verified.Text("terms.version") is not { } terms)
            return Unexpected(client, "verify account", verified);
        return new PreparedApplication(citizen, token, verification, terms);
    }

    /// <summary>
    /// An application challenge, the card's signature over the statement, and the submission with
    /// <paramref name="idempotencyKey"/>, sent again as it is while retryable. <paramref name="refusals"/> are the codes
    /// this submission may expectedly get (e.g. <c>application.already-exists</c> in a race).
    /// </summary>
    public static async Task<Submission> SubmitAsync(SoakClient client, PreparedApplication prepared, string campaign, int replica, string idempotencyKey,
        IReadOnlyCollection<string>? refusals = null)
    {
        var challenge = await client.SendAsync("app challenge", replica, () => BenchApplication.Post("api/v1/challenges", new { purpose = "application" }));
        if (challenge.Text("challenge") is not { } signedChallenge)
        {
            Unexpected(client, "app challenge", challenge);
            return new Submission(null, challenge.Code ?? FaultTally.NoAnswer);
        }
        var body = BenchApplication.Body(bytes => prepared.Citizen.Sign(bytes), signedChallenge, campaign, SoakEnvironment.Service, prepared.Terms,
            prepared.Verification);
        var reply = await client.SendAsync("application", replica, () =>
        {
            var request = BenchApplication.Post("api/v1/applications", body);
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            return request;
        }, bearer: prepared.Token);
        if (reply.Text("applicationId") is { } id)
            return new Submission(id, null);
        if (reply.Retryable || refusals is null || reply.Code is null || !refusals.Contains(reply.Code))
            Unexpected(client, "application", reply);
        return new Submission(null, reply.Code ?? reply.ToString());
    }

    /// <summary>The whole flow for one citizen: prepare and submit with a fresh idempotency key.</summary>
    public static async Task<Submission?> ApplyAsync(SoakClient client, SoakCitizen citizen, string campaign, int replica)
    {
        var prepared = await PrepareAsync(client, citizen, replica);
        return prepared is null ? null : await SubmitAsync(client, prepared, campaign, replica + 3, Guid.NewGuid().ToString("N"));
    }

    private static PreparedApplication? Unexpected(SoakClient client, string step, SoakReply reply)
    {
        client.Tally.Fail($"{step}: {reply}");
        return null;
    }
}

/// <summary>One grant line the operator means, and what the platform last answered for it.</summary>
internal sealed class PlannedGrant(GrantLine line, int person)
{
    public GrantLine Line { get; } = line;

    /// <summary>The index of the person among the fault's pseudonyms.</summary>
    public int Person { get; } = person;

    /// <summary>The platform's answer (null until acknowledged).</summary>
    public GrantResult? Answer { get; set; }
}

/// <summary>The operator's side: batches of grants, each sent (and resent with the same keys) until acknowledged.</summary>
internal static class GrantSteps
{
    /// <summary>What a grant batch's requests are counted as.</summary>
    public const string Operation = "grant batch";

    /// <summary>
    /// Grants of <paramref name="points"/> to each pseudonym, <paramref name="perPerson"/>(i) lines to the i-th, keys
    /// unique to the run (<paramref name="prefix"/>), dated a minute ago, interleaved across persons so every batch
    /// touches several.
    /// </summary>
    public static IReadOnlyList<PlannedGrant> Plan(IReadOnlyList<string> pseudonyms, Func<int, int> perPerson, long points, string prefix, DateTimeOffset now) =>
        [.. Enumerable.Range(0, pseudonyms.Count == 0 ? 0 : Enumerable.Range(0, pseudonyms.Count).Max(perPerson)).SelectMany(j => pseudonyms
            .Select((p, i) => (p, i)).Where(x => j < perPerson(x.i)).Select(x => new PlannedGrant(
                new GrantLine($"{prefix}.{x.i}.{j}", x.p, SoakEnvironment.Service, ProgramKind.CardAcquisition.ToCode(), points, now.AddMinutes(-1)), x.i)))];

    /// <summary>Sends one batch at <paramref name="replica"/> (and on, while retryable); true when acknowledged line by line.</summary>
    public static async Task<bool> SendAsync(SoakClient client, IReadOnlyList<PlannedGrant> batch, int replica)
    {
        var wire = new GrantBatch([.. batch.Select(g => g.Line)]);
        var reply = await client.SendAsync(Operation, replica, () => new HttpRequestMessage(HttpMethod.Post, OperatorRoutes.Grants.TrimStart('/'))
        {
            Content = JsonContent.Create(wire, options: ProtocolJson.Options),
        }, signed: true);
        if (!reply.Success)
        {
            client.Tally.Fail($"grant batch: {reply}");
            return false;
        }
        var result = reply.Body.Deserialize<GrantBatchResult>(ProtocolJson.Options);
        if (result?.Results is not { } results || results.Count != batch.Count)
        {
            client.Tally.Fail("grant batch: an answer without one result per line: " + reply.Body.GetRawText());
            return false;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Answer = results[i];
            if (results[i].Replayed)
                client.Tally.Replay();
        }
        return true;
    }
}
