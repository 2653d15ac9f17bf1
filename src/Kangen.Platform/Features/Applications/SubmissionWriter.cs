using Kangen.Platform.Observability;
using Kangen.Platform.Storage;

namespace Kangen.Platform.Features.Applications;

/// <summary>The group commit of checked application submissions (see <see cref="GroupCommit{TWork, TOutcome}"/>).</summary>
public sealed class SubmissionWriter(IServiceScopeFactory scopes, WriteGate gate, PlatformMetrics metrics, ILogger<SubmissionWriter> log)
    : GroupCommit<ApplicationRecorder.Checked, SubmissionOutcome>("applications", scopes, gate, metrics, log)
{
    /// <inheritdoc/>
    protected override async Task<(SubmissionOutcome Outcome, bool Keep)> RecordAsync(IServiceProvider scope, ApplicationRecorder.Checked work)
    {
        var outcome = await scope.GetRequiredService<ApplicationRecorder>().RecordAsync(work);
        // A refusal or a replay keeps nothing it may have written.
        return (outcome, outcome.Application is not null && !outcome.Replayed);
    }
}
