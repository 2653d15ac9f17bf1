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
    protected override async Task<(SubmissionOutcome Outcome, bool Keep)> RecordAsync(IServiceProvider scope, ApplicationRecorder.Checked work)
    {
        var reads = scope.GetRequiredService<SubmissionGroup>();
        // The group commit rolls a piece that keeps nothing back to its savepoint: its audit entries go with it, and the
        // head moves back to where it was.
        var head = reads.Audit?.Position;
        try
        {
            var outcome = await scope.GetRequiredService<ApplicationRecorder>().RecordAsync(work);
            // A refusal or a replay keeps nothing it may have written.
            var keep = outcome.Application is not null && !outcome.Replayed;
            if (!keep)
                Undo(reads, head);
            return (outcome, keep);
        }
        catch
        {
            Undo(reads, head);
            throw;
        }
    }

    // What the savepoint's rollback cannot undo: the writes still waiting in the context, and the head in memory.
    private static void Undo(SubmissionGroup reads, (long, string)? head)
    {
        reads.Forget();
        if (head is { } before)
            reads.Audit!.Position = before;
    }
}
