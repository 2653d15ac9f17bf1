using System.Data.Common;
using System.Threading.Channels;
using Kangen.Platform.Observability;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Applications;

/// <summary>
/// Group commit for applications. Requests check their submissions in parallel (<see cref="ApplicationRecorder"/>) and
/// hand them here; one loop takes every submission waiting (up to <see cref="MaxGroup"/>), records them one after
/// another in one transaction, each inside a savepoint so that a refusal or a lost race undoes only its own writes,
/// and commits once. Every request is answered after that commit, so nothing is acknowledged before it is durable, and
/// a durable commit (an fsync on SQLite, a WAL flush on PostgreSQL) is paid once per group instead of once per
/// application. The rules see the group's earlier submissions, as they would have seen them committed one by one.
/// </summary>
/// <remarks>
/// When a group fails as a whole (a commit that fails, a broken connection, a PostgreSQL deadlock between two replicas'
/// groups), nothing of it was committed, and each of its submissions is recorded again alone, in its own transaction:
/// the failure then lands on the submission that causes it, with the exception its request would have met before, and
/// the others are recorded. A request that gave up before its group began is dropped unrecorded.
/// </remarks>
public sealed class SubmissionWriter : IAsyncDisposable
{
    /// <summary>The most submissions recorded in one transaction.</summary>
    public const int MaxGroup = 64;

    // Lost races (a unique key met) are tried again: the rules or the replay then answer.
    private const int MaxAttempts = 5;
    private const string Savepoint = "submission";

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IServiceScopeFactory _scopes;
    private readonly WriteGate _gate;
    private readonly PlatformMetrics _metrics;
    private readonly ILogger<SubmissionWriter> _log;
    private readonly Lazy<Task> _loop;
    private int _unanswered;

    /// <summary>A writer recording with contexts from <paramref name="scopes"/>, inside <paramref name="gate"/>.</summary>
    public SubmissionWriter(IServiceScopeFactory scopes, WriteGate gate, PlatformMetrics metrics, ILogger<SubmissionWriter> log)
    {
        _scopes = scopes;
        _gate = gate;
        _metrics = metrics;
        _log = log;
        // Started by the first submission, so hosts and tools that never apply run no loop.
        _loop = new Lazy<Task>(() => Task.Run(RunAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Submissions handed over and not answered yet (waiting, or in the group being recorded).</summary>
    internal int Unanswered => Volatile.Read(ref _unanswered);

    /// <summary>Records <paramref name="submission"/> with the group it joins; completes after the group's commit.</summary>
    internal Task<SubmissionOutcome> RecordAsync(ApplicationRecorder.Checked submission, CancellationToken cancellationToken)
    {
        var pending = new Pending(submission, cancellationToken);
        Interlocked.Increment(ref _unanswered);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _unanswered);
            throw new ObjectDisposedException(nameof(SubmissionWriter));
        }
        _ = _loop.Value;
        return pending.Outcome.Task;
    }

    /// <summary>Records what is already queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop.IsValueCreated)
            await _loop.Value;
    }

    private async Task RunAsync()
    {
        var group = new List<Pending>(MaxGroup);
        while (await _queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var pending))
            {
                if (pending.CancellationToken.IsCancellationRequested)
                    Answer(pending, outcome: null, failure: null);
                else
                    group.Add(pending);
            }
            if (group.Count > 0)
                await WriteAsync(group);
        }
    }

    private async Task WriteAsync(List<Pending> group)
    {
        if (group.Count > 1)
        {
            SubmissionOutcome[]? outcomes = null;
            try
            {
                outcomes = await RecordTogetherAsync(group);
            }
            // Not swallowed: whatever failed the group fails again below on the submission that causes it, and reaches
            // that submission's request.
            catch (Exception e)
            {
                _log.LogWarning(e, "A group of {Count} applications failed before its commit; recording each alone", group.Count);
            }
            if (outcomes is not null)
            {
                for (var i = 0; i < group.Count; i++)
                    Answer(group[i], outcomes[i], failure: null);
                _metrics.SubmissionGroupCommitted(group.Count);
                return;
            }
        }
        foreach (var pending in group)
        {
            SubmissionOutcome[] outcomes;
            try
            {
                outcomes = await RecordTogetherAsync([pending]);
            }
            // Handed to the request that sent it (a 503 when the database is unavailable, else a 500), as when each
            // request recorded its own application; the loop goes on for everyone else.
            catch (Exception e)
            {
                Answer(pending, outcome: null, failure: e);
                continue;
            }
            Answer(pending, outcomes[0], failure: null);
            _metrics.SubmissionGroupCommitted(1);
        }
    }

    private async Task<SubmissionOutcome[]> RecordTogetherAsync(IReadOnlyList<Pending> group)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var recorder = scope.ServiceProvider.GetRequiredService<ApplicationRecorder>();
        // Each submission has its own savepoint; EF's savepoint around every SaveChanges would only add statements.
        db.Database.AutoSavepointsEnabled = false;
        // The group is one unit: it is not abandoned halfway because one of its requests went away.
        var none = CancellationToken.None;
        using var entered = await _gate.EnterAsync(none);
        await using var transaction = await db.Database.BeginTransactionAsync(none);
        var outcomes = new SubmissionOutcome[group.Count];
        for (var i = 0; i < group.Count; i++)
        {
            for (var attempt = 1; ; attempt++)
            {
                await transaction.CreateSavepointAsync(Savepoint, none);
                try
                {
                    outcomes[i] = await recorder.RecordAsync(group[i].Submission, none);
                    // A refusal or a replay keeps nothing (a person it resolved on the way is undone with it).
                    if (outcomes[i].Application is null || outcomes[i].Replayed)
                        await transaction.RollbackToSavepointAsync(Savepoint, none);
                    await transaction.ReleaseSavepointAsync(Savepoint, none);
                    break;
                }
                catch (Exception e) when (attempt < MaxAttempts && IsUniqueViolation(e))
                {
                    await transaction.RollbackToSavepointAsync(Savepoint, none);
                    await transaction.ReleaseSavepointAsync(Savepoint, none);
                }
            }
        }
        await transaction.CommitAsync(none);
        return outcomes;
    }

    // Counted down first: a request answered is no longer waiting when its continuation runs.
    private void Answer(Pending pending, SubmissionOutcome? outcome, Exception? failure)
    {
        Interlocked.Decrement(ref _unanswered);
        if (outcome is not null)
            pending.Outcome.TrySetResult(outcome);
        else if (failure is not null)
            pending.Outcome.TrySetException(failure);
        else
            pending.Outcome.TrySetCanceled(pending.CancellationToken);
    }

    private static bool IsUniqueViolation(Exception e) => e switch
    {
        DbUpdateException u => KangenStorage.IsUniqueViolation(u),
        DbException d => KangenStorage.IsUniqueViolation(d),
        _ => false,
    };

    private sealed class Pending(ApplicationRecorder.Checked submission, CancellationToken cancellationToken)
    {
        public ApplicationRecorder.Checked Submission { get; } = submission;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        // Completed by the writer's loop: the request's continuation must not run on it.
        public TaskCompletionSource<SubmissionOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
