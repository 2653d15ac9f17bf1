using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kangen.Platform.Features.Admission;
using Kangen.Platform.Features.Applications;
using Kangen.Rules;

namespace Kangen.Cli.Features.Bench;

/// <summary>One answer as the bench saw it: status (null when the request failed), body, the admission headers, when, and which replica gave it.</summary>
internal sealed record BenchReply(HttpStatusCode? Status, JsonElement Body, string? AdmissionToken, TimeSpan? RetryAfter, long SentAt, long ReceivedAt, bool Ok,
    int Replica = 0)
{
    /// <summary>The queue's answer to a gated request that has no pass yet: not an error, the citizen waits.</summary>
    public bool Queued => Status == HttpStatusCode.TooManyRequests && Code == AdmissionProblems.Queued.Code;

    public string? Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;

    /// <summary>The string at <paramref name="path"/> (dotted for nested objects), or null.</summary>
    public string? Text(string path) => TextAt(Body, path);

    public static string? TextAt(JsonElement body, string path)
    {
        foreach (var name in path.Split('.'))
        {
            if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty(name, out body))
                return null;
        }
        return body.ValueKind == JsonValueKind.String ? body.GetString() : null;
    }

    public long? Number(string property) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt64() : null;
}

/// <summary>What happened to one citizen: ticket, when it was last told to wait and when first admitted (timestamps of the bench's clock), served or not.</summary>
internal sealed class CitizenOutcome(int index)
{
    public int Index { get; } = index;

    /// <summary>The ticket number drawn (null without admission control or when the draw failed).</summary>
    public long? Number { get; set; }

    /// <summary>The queue position the draw answered (0 when admitted at once).</summary>
    public long? InitialPosition { get; set; }

    /// <summary>When the draw was sent.</summary>
    public long DrawnAt { get; set; }

    /// <summary>When the last request that the platform answered "waiting" was sent (null when never told to wait).</summary>
    public long? LastWaitingSentAt => LastWaitingSentAtBy.Count == 0 ? null : LastWaitingSentAtBy.Values.Max();

    /// <summary>The same, per replica that answered "waiting".</summary>
    public Dictionary<int, long> LastWaitingSentAtBy { get; } = [];

    /// <summary>When the first "admitted" answer arrived.</summary>
    public long? AdmittedAt { get; private set; }

    /// <summary>The replica whose answer admitted the citizen first.</summary>
    public int AdmittedBy { get; private set; }

    /// <summary>Replica <paramref name="replica"/> answered "waiting" to a request sent at <paramref name="sentAt"/>.</summary>
    public void Waited(int replica, long sentAt)
    {
        LastWaitingSentAtBy[replica] = LastWaitingSentAtBy.TryGetValue(replica, out var before) ? Math.Max(before, sentAt) : sentAt;
    }

    /// <summary>Replica <paramref name="replica"/>'s answer admitted the citizen, arriving at <paramref name="receivedAt"/>.</summary>
    public void Admitted(int replica, long receivedAt)
    {
        AdmittedAt = receivedAt;
        AdmittedBy = replica;
    }

    /// <summary>Gated requests answered with a queue ticket after admission (the pass was not honoured).</summary>
    public int Requeued { get; set; }

    public bool Served { get; set; }
}

/// <summary>
/// A citizen's whole application over HTTP, as a client does it, with every request timed into a <see cref="BenchPhase"/>:
/// with admission control, draw a ticket (<c>POST /api/v1/admission</c>) and poll (<c>GET</c>, honouring
/// <c>Retry-After</c>) until admitted, sending the newest <c>Kangen-Admission</c> token on every later request; then a
/// challenge, the card's signature, the session, the operator's account verification, an application challenge, the
/// application signed by the card, and the session ended so its place in the flow frees up. Signing happens between
/// requests: it is the card's cost, not a request's latency. With several replicas, each request of a citizen goes to
/// the next replica in turn (citizen i starts at replica i), so a ticket drawn at one is polled at another and the
/// session opened at a third: any replica must honour what any other issued.
/// </summary>
internal sealed class CitizenFlow(IReadOnlyList<HttpClient> replicas, BenchPhase phase, string campaign, string service, bool admission, BenchCounter? admitted,
    CancellationToken cancellationToken)
{
    /// <summary>How often a waiting citizen asks when the platform gives no <c>Retry-After</c>.</summary>
    private static readonly TimeSpan DefaultPoll = TimeSpan.FromSeconds(1);

    /// <summary>A gated request answered with a ticket again is retried after waiting, at most this many times.</summary>
    private const int MaxRequeues = 3;

    private TimeProvider Time => phase.Time;

    /// <summary>
    /// Runs the flow for <paramref name="card"/> with <paramref name="fields"/> (an account the demo operator knows).
    /// <paramref name="drawn"/> is signalled once the ticket is drawn (or the draw failed); the flow then waits for
    /// <paramref name="everyoneDrawn"/>, so a rush really starts at once: nobody is served before everyone queued.
    /// </summary>
    public async Task<CitizenOutcome> RunAsync(BenchCard card, IReadOnlyDictionary<string, string> fields, Action drawn, Task everyoneDrawn)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(drawn);
        ArgumentNullException.ThrowIfNull(everyoneDrawn);
        var outcome = new CitizenOutcome(card.Index);
        var rotation = new ReplicaRotation(replicas, card.Index);
        string? pass = null;
        BenchReply? draw;
        try
        {
            draw = admission ? await SendAsync(rotation, "admission draw", () => new HttpRequestMessage(HttpMethod.Post, "api/v1/admission"), null, CheckAdmissionState) : null;
        }
        finally
        {
            drawn();
        }
        await everyoneDrawn;
        if (draw is null)
            admitted?.Increment();
        else
        {
            if (!draw.Ok)
                return outcome;
            pass = draw.AdmissionToken;
            outcome.Number = draw.Number("number");
            outcome.InitialPosition = draw.Number("position");
            outcome.DrawnAt = draw.SentAt;
            if ((pass = await WaitAdmittedAsync(rotation, outcome, draw, pass)) is null)
                return outcome;
        }

        // The gated requests; each may meet the queue again (a pass not honoured), then waits and retries.
        async Task<BenchReply?> Gated(string operation, Func<HttpRequestMessage> request, string? bearer = null, Func<JsonElement, string?>? check = null)
        {
            for (var attempt = 0; ; attempt++)
            {
                var reply = await SendAsync(rotation, operation, request, pass, check, bearer);
                if (!reply.Queued)
                    return reply.Ok ? reply : null;
                outcome.Requeued++;
                if (attempt == MaxRequeues || (pass = await WaitAdmittedAsync(rotation, outcome, reply, reply.AdmissionToken ?? pass)) is null)
                    return null;
            }
        }

        var challenge = await Gated("session challenge", () => BenchApplication.Post("api/v1/challenges", new { purpose = "session" }), check: Has("challenge"));
        if (challenge?.Text("challenge") is not { } sessionChallenge)
            return outcome;
        var (certificate, signature) = card.Sign(Encoding.UTF8.GetBytes(sessionChallenge));
        var session = await Gated("session", () => BenchApplication.Post("api/v1/sessions", new
        {
            challenge = sessionChallenge,
            certificate = Convert.ToBase64String(certificate),
            signature = Convert.ToBase64String(signature),
        }), check: Has("token"));
        if (session?.Text("token") is not { } token)
            return outcome;
        try
        {
            var verified = await Gated("verify account", () => BenchApplication.Post("api/v1/applications/verify-account", new { service, fields, forChild = false }), token,
                Has("verification", "terms.version"));
            if (verified?.Text("verification") is not { } verification || verified.Text("terms.version") is not { } terms)
                return outcome;
            var applicationChallenge = await Gated("app challenge", () => BenchApplication.Post("api/v1/challenges", new { purpose = "application" }), check: Has("challenge"));
            if (applicationChallenge?.Text("challenge") is not { } signedChallenge)
                return outcome;
            var body = BenchApplication.Body(bytes => card.Sign(bytes), signedChallenge, campaign, service, terms, verification);
            var key = Guid.NewGuid().ToString("N");
            var application = await Gated("application", () =>
            {
                var request = BenchApplication.Post("api/v1/applications", body);
                request.Headers.Add("Idempotency-Key", key);
                return request;
            }, check: Has("applicationId"));
            outcome.Served = application is not null;
        }
        finally
        {
            // Ended whatever happened: the session is what holds the citizen's place in the flow.
            await Gated("session end", () => new HttpRequestMessage(HttpMethod.Delete, "api/v1/sessions/current"), token);
        }
        return outcome;
    }

    /// <summary>Polls until admitted; returns the newest pass, or null when the admission endpoints failed.</summary>
    private async Task<string?> WaitAdmittedAsync(ReplicaRotation rotation, CitizenOutcome outcome, BenchReply reply, string? pass)
    {
        while (reply.Queued || reply.Text("state") != AdmissionStates.Admitted)
        {
            // Only the wait before the first admission says anything about order; a later one is a requeue, counted apart.
            if (outcome.AdmittedAt is null)
                outcome.Waited(reply.Replica, reply.SentAt);
            await Task.Delay(reply.RetryAfter is { } after && after > TimeSpan.Zero ? after : DefaultPoll, Time, cancellationToken);
            reply = await SendAsync(rotation, "admission poll", () => new HttpRequestMessage(HttpMethod.Get, "api/v1/admission"), pass, CheckAdmissionState);
            if (!reply.Ok)
                return null;
            pass = reply.AdmissionToken ?? pass;
        }
        if (outcome.AdmittedAt is null)
        {
            outcome.Admitted(reply.Replica, reply.ReceivedAt);
            admitted?.Increment();
        }
        return pass;
    }

    // No staggered windows are set by the bench: a state other than these is an error.
    private static string? CheckAdmissionState(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("state", out var s) && s.GetString() is AdmissionStates.Admitted or AdmissionStates.Waiting
            ? null
            : "unexpected admission answer " + body.GetRawText();

    /// <summary>A check that the answer carries these string properties (a dotted path reaches into an object).</summary>
    private static Func<JsonElement, string?> Has(params string[] properties) => body =>
        properties.FirstOrDefault(p => BenchReply.TextAt(body, p) is null) is { } missing ? $"the answer has no {missing}: {body.GetRawText()}" : null;

    /// <summary>
    /// Sends one request and records it: a 2xx answer (that <paramref name="check"/> accepts) is a success, the queue's
    /// 429 <c>admission.queued</c> is recorded apart and is not an error, anything else (or no answer) is an error.
    /// </summary>
    private async Task<BenchReply> SendAsync(ReplicaRotation rotation, string operation, Func<HttpRequestMessage> create, string? pass, Func<JsonElement, string?>? check,
        string? bearer = null)
    {
        using var request = create();
        if (pass is not null)
            request.Headers.Add(AdmissionHttp.Header, pass);
        if (bearer is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        var (replica, client) = rotation.Next();
        var sent = Time.GetTimestamp();
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var received = Time.GetTimestamp();
            var body = default(JsonElement);
            string? problem = null;
            try
            {
                body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                problem = "unreadable body";
            }
            var token = response.Headers.TryGetValues(AdmissionHttp.Header, out var values) ? values.FirstOrDefault() : null;
            var retryAfter = response.Headers.RetryAfter is { } r ? r.Delta ?? (r.Date is { } at ? at - Time.GetUtcNow() : null) : null;
            var reply = new BenchReply(response.StatusCode, body, token, retryAfter, sent, received, false, replica);
            var latency = Time.GetElapsedTime(sent, received);
            if (reply.Queued)
            {
                phase.Record(operation + " (queued)", latency, error: false);
                return reply;
            }
            problem ??= response.IsSuccessStatusCode ? check?.Invoke(body) : $"{(int)response.StatusCode} {reply.Code ?? text[..Math.Min(text.Length, 200)]}";
            phase.Record(operation, latency, problem is not null, problem);
            return reply with { Ok = problem is null };
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var failed = Time.GetTimestamp();
            phase.Record(operation, Time.GetElapsedTime(sent, failed), error: true, e.GetType().Name + ": " + e.Message);
            return new BenchReply(null, default, null, null, sent, failed, false, replica);
        }
    }
}

/// <summary>One citizen's replicas in turn: its requests are sequential, so a plain counter suffices.</summary>
internal sealed class ReplicaRotation(IReadOnlyList<HttpClient> replicas, int start)
{
    private int _next = start;

    /// <summary>The next replica's index and client.</summary>
    public (int Index, HttpClient Client) Next()
    {
        var index = _next++ % replicas.Count;
        return (index, replicas[index]);
    }
}
