using Kangen.Platform.Observability;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;

namespace Kangen.Platform.Features.Identity.Sessions;

/// <summary>The group commit of checked session requests (see <see cref="GroupCommit{TWork, TOutcome}"/>).</summary>
public sealed class SessionWriter(IServiceScopeFactory scopes, WriteGate gate, PlatformMetrics metrics, ILogger<SessionWriter> log)
    : GroupCommit<Authenticator.SessionWork, (OpenedSession? Session, PlatformProblem? Problem)>("sessions", scopes, gate, metrics, log)
{
    /// <inheritdoc/>
    protected override async Task<((OpenedSession? Session, PlatformProblem? Problem) Outcome, bool Keep)> RecordAsync(
        IServiceProvider scope, Authenticator.SessionWork work)
    {
        (OpenedSession? Session, PlatformProblem? Problem) outcome = await scope.GetRequiredService<Authenticator>().RecordAsync(work);
        return (outcome, outcome.Problem is null);
    }
}
