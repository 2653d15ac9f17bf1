using Kangen.Platform.Observability;
using Kangen.Platform.Storage;

namespace Kangen.Platform.Features.Applications;

/// <summary>
/// The group commit of checked application submissions (see <see cref="GroupCommit{TWork, TOutcome}"/>): the group's
/// reads are made together by its <see cref="SubmissionGroup"/>, and its audit head is written once.
/// </summary>
public sealed class SubmissionWriter(IServiceScopeFactory scopes, WriteGate gate, PlatformMetrics metrics, ILogger<SubmissionWriter> log)
    : GroupCommit<ApplicationRecorder.Checked, SubmissionOutcome>("applications", scopes, gate, metrics, log)
{
    /// <inheritdoc/>
    protected override Task BeginGroupAsync(IServiceProvider scope, IReadOnlyList<ApplicationRecorder.Checked> group) =>
        scope.GetRequiredService<SubmissionGroup>().BeginAsync(group[0].Campaign, group, CancellationToken.None);

    /// <inheritdoc/>
    protected override Task EndGroupAsync(IServiceProvider scope) => scope.GetRequiredService<SubmissionGroup>().SaveAsync(CancellationToken.None);

    /// <inheritdoc/>
    protected override Task BeforePieceAsync(IServiceProvider scope, ApplicationRecorder.Checked work) =>
        scope.GetRequiredService<SubmissionGroup>().BeginPieceAsync(work, CancellationToken.None);

    /// <inheritdoc/>
    protected override void PieceUndone(IServiceProvider scope) => scope.GetRequiredService<SubmissionGroup>().UndoPiece();

    /// <inheritdoc/>
    protected override async Task<(SubmissionOutcome Outcome, bool Keep)> RecordAsync(IServiceProvider scope, ApplicationRecorder.Checked work)
    {
        var outcome = await scope.GetRequiredService<ApplicationRecorder>().RecordAsync(work, scope.GetRequiredService<SubmissionGroup>());
        // A refusal or a replay keeps nothing it may have written.
        return (outcome, outcome.Application is not null && !outcome.Replayed);
    }
}
