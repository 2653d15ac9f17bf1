using Kangen.Platform.Observability;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;

namespace Kangen.Platform.Features.Identity.Sessions;

/// <summary>
/// The group commit of checked session requests (see <see cref="GroupCommit{TWork, TOutcome}"/>): the group's reads are
/// made together by its <see cref="SessionGroup"/>, and its audit head is written once.
/// </summary>
public sealed class SessionWriter(IServiceScopeFactory scopes, WriteGate gate, PlatformMetrics metrics, ILogger<SessionWriter> log)
    : GroupCommit<Authenticator.SessionWork, (OpenedSession? Session, PlatformProblem? Problem)>("sessions", scopes, gate, metrics, log)
{
    /// <inheritdoc/>
    protected override Task BeginGroupAsync(IServiceProvider scope, IReadOnlyList<Authenticator.SessionWork> group) =>
        scope.GetRequiredService<SessionGroup>().BeginAsync(group, CancellationToken.None);

    /// <inheritdoc/>
    protected override Task EndGroupAsync(IServiceProvider scope) => scope.GetRequiredService<SessionGroup>().SaveAsync(CancellationToken.None);

    /// <inheritdoc/>
    protected override Task BeforePieceAsync(IServiceProvider scope, Authenticator.SessionWork work) =>
        scope.GetRequiredService<SessionGroup>().BeginPieceAsync(work, CancellationToken.None);

    /// <inheritdoc/>
    protected override void PieceUndone(IServiceProvider scope) => scope.GetRequiredService<SessionGroup>().UndoPiece();

    /// <inheritdoc/>
    protected override async Task<((OpenedSession? Session, PlatformProblem? Problem) Outcome, bool Keep)> RecordAsync(
        IServiceProvider scope, Authenticator.SessionWork work)
    {
        (OpenedSession? Session, PlatformProblem? Problem) outcome =
            await scope.GetRequiredService<Authenticator>().RecordAsync(work, scope.GetRequiredService<SessionGroup>());
        // A refusal keeps nothing it may have written.
        return (outcome, outcome.Problem is null);
    }
}
