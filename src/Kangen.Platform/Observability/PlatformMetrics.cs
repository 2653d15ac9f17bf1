using System.Diagnostics.Metrics;

namespace Kangen.Platform.Observability;

/// <summary>The platform's own counters (meter <c>Kangen.Platform</c>), exported through OpenTelemetry.</summary>
public sealed class PlatformMetrics
{
    /// <summary>The meter name to subscribe to.</summary>
    public const string MeterName = "Kangen.Platform";

    private readonly Counter<long> _challengesIssued;
    private readonly Counter<long> _sessionsCreated;
    private readonly Counter<long> _authenticationsRefused;
    private readonly Counter<long> _personsCreated;
    private readonly Counter<long> _renewalsLinked;
    private readonly Counter<long> _applicationsRecorded;
    private readonly Counter<long> _applicationsRefused;
    private readonly Counter<long> _accountVerifications;
    private readonly Histogram<int> _groups;

    /// <summary>Creates the instruments on a meter from <paramref name="meters"/>.</summary>
    public PlatformMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _challengesIssued = meter.CreateCounter<long>("kangen.challenges.issued", description: "Challenges issued, by purpose.");
        _sessionsCreated = meter.CreateCounter<long>("kangen.sessions.created", description: "Sessions opened by card authentication.");
        _authenticationsRefused = meter.CreateCounter<long>("kangen.authentications.refused", description: "Card authentications refused, by problem code.");
        _personsCreated = meter.CreateCounter<long>("kangen.persons.created", description: "Persons created at their first authentication.");
        _renewalsLinked = meter.CreateCounter<long>("kangen.certificates.renewals_linked", description: "Renewed certificates linked to an existing person.");
        _applicationsRecorded = meter.CreateCounter<long>("kangen.applications.recorded", description: "Program applications recorded, by program, service, channel and actor.");
        _applicationsRefused = meter.CreateCounter<long>("kangen.applications.refused", description: "Application submissions refused, by problem code.");
        _accountVerifications = meter.CreateCounter<long>("kangen.accounts.verifications", description: "Operator account verifications, by service and outcome.");
        _groups = meter.CreateHistogram(GroupSizeInstrument, "{request}", "Requests one group commit handled (recorded, refused or replayed) in one transaction, by writer (applications, sessions).",
            tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
    }

    /// <summary>Requests per group commit, tagged <c>writer</c> (histogram).</summary>
    public const string GroupSizeInstrument = "kangen.storage.group_commit.size";

    internal void GroupCommitted(string writer, int requests) => _groups.Record(requests, new KeyValuePair<string, object?>("writer", writer));

    internal void ChallengeIssued(string purpose) => _challengesIssued.Add(1, new KeyValuePair<string, object?>("purpose", purpose));
    internal void SessionCreated() => _sessionsCreated.Add(1);
    internal void AuthenticationRefused(string code) => _authenticationsRefused.Add(1, new KeyValuePair<string, object?>("code", code));
    internal void PersonCreated() => _personsCreated.Add(1);
    internal void RenewalLinked() => _renewalsLinked.Add(1);

    internal void ApplicationRecorded(string program, string service, string channel, string actor) => _applicationsRecorded.Add(1,
        new KeyValuePair<string, object?>("program", program), new KeyValuePair<string, object?>("service", service),
        new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("actor", actor));

    internal void ApplicationRefused(string code) => _applicationsRefused.Add(1, new KeyValuePair<string, object?>("code", code));

    internal void AccountVerification(string service, string outcome) => _accountVerifications.Add(1,
        new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("outcome", outcome));
}
