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
    }

    internal void ChallengeIssued(string purpose) => _challengesIssued.Add(1, new KeyValuePair<string, object?>("purpose", purpose));
    internal void SessionCreated() => _sessionsCreated.Add(1);
    internal void AuthenticationRefused(string code) => _authenticationsRefused.Add(1, new KeyValuePair<string, object?>("code", code));
    internal void PersonCreated() => _personsCreated.Add(1);
    internal void RenewalLinked() => _renewalsLinked.Add(1);
}
