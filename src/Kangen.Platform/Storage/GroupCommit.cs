using System.Data.Common;
using System.Threading.Channels;
using Kangen.Platform.Observability;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Storage;

/// <summary>
/// Group commit for one kind of write (applications, sessions). Requests do their checks in parallel and hand the checked
/// work here; one loop takes every piece waiting (up to <see cref="MaxGroup"/>), records them one after another in one
/// transaction, each inside a savepoint so that a refusal or a lost race undoes only its own writes, and commits once.
/// Every request is answered after that commit, so nothing is acknowledged before it is durable, and a durable commit
/// (an fsync on SQLite, a WAL flush on PostgreSQL) is paid once per group instead of once per request. Each piece sees
/// the group's earlier ones, as it would have seen them committed one by one.
/// </summary>
/// <remarks>
/// When a group fails as a whole (a commit that fails, a broken connection, a PostgreSQL deadlock between two replicas'
/// groups), nothing of it was committed, and each of its pieces is recorded again alone, in its own transaction: the
/// failure then lands on the piece that causes it, with the exception its request would have met before, and the others
/// are recorded. A request that gave up before its group began is dropped unrecorded.
/// </remarks>
/// <typeparam name="TWork">What a request hands over, checked.</typeparam>
/// <typeparam name="TOutcome">What its request is answered.</typeparam>
public abstract class GroupCommit<TWork, TOutcome> : IAsyncDisposable
{
    /// <summary>The most pieces recorded in one transaction.</summary>
    public const int MaxGroup = 64;

    // Lost races (a unique key met) are tried again: the re-read then finds what the other writer committed.
    private const int MaxAttempts = 5;
    private const string Savepoint = "piece";

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _name;
    private readonly IServiceScopeFactory _scopes;
    private readonly WriteGate _gate;
    private readonly PlatformMetrics _metrics;
    private readonly ILogger _log;
    private readonly Lazy<Task> _loop;
    private int _unanswered;

    /// <summary>A writer named <paramref name="name"/> (its metrics' <c>writer</c> tag), recording with contexts from <paramref name="scopes"/> inside <paramref name="gate"/>.</summary>
    protected GroupCommit(string name, IServiceScopeFactory scopes, WriteGate gate, PlatformMetrics metrics, ILogger log)
    {
        _name = name;
        _scopes = scopes;
        _gate = gate;
        _metrics = metrics;
        _log = log;
        // Started by the first piece of work, so hosts and tools that never write this kind run no loop.
        _loop = new Lazy<Task>(() => Task.Run(RunAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Pieces handed over and not answered yet (waiting, or in the group being recorded).</summary>
    internal int Unanswered => Volatile.Read(ref _unanswered);

    /// <summary>Records <paramref name="work"/> with the group it joins; completes after the group's commit.</summary>
    public Task<TOutcome> WriteAsync(TWork work, CancellationToken cancellationToken)
    {
        var pending = new Pending(work, cancellationToken);
        Interlocked.Increment(ref _unanswered);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _unanswered);
            throw new ObjectDisposedException(GetType().Name);
        }
        _ = _loop.Value;
        return pending.Outcome.Task;
    }

    /// <summary>
    /// Records one piece with <paramref name="scope"/>'s context, inside the group's transaction (never commits); answers
    /// whether its writes are kept (false for a refusal or a replay: the writer undoes them).
    /// </summary>
    protected abstract Task<(TOutcome Outcome, bool Keep)> RecordAsync(IServiceProvider scope, TWork work);

    /// <summary>Records what is already queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop.IsValueCreated)
            await _loop.Value;
        GC.SuppressFinalize(this);
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
                    Answer(pending, default, failure: null, canceled: true);
                else
                    group.Add(pending);
            }
            if (group.Count > 0)
                await WriteGroupAsync(group);
        }
    }

    private async Task WriteGroupAsync(List<Pending> group)
    {
        if (group.Count > 1)
        {
            TOutcome[]? outcomes = null;
            try
            {
                outcomes = await RecordTogetherAsync(group);
            }
            // Not swallowed: whatever failed the group fails again below on the piece that causes it, and reaches that
            // piece's request.
            catch (Exception e)
            {
                _log.LogWarning(e, "A group of {Count} {Writer} failed before its commit; recording each alone", group.Count, _name);
            }
            if (outcomes is not null)
            {
                for (var i = 0; i < group.Count; i++)
                    Answer(group[i], outcomes[i], failure: null, canceled: false);
                _metrics.GroupCommitted(_name, group.Count);
                return;
            }
        }
        foreach (var pending in group)
        {
            TOutcome[] outcomes;
            try
            {
                outcomes = await RecordTogetherAsync([pending]);
            }
            // Handed to the request that sent it (a 503 when the database is unavailable, else a 500), as when each
            // request wrote for itself; the loop goes on for everyone else.
            catch (Exception e)
            {
                Answer(pending, default, failure: e, canceled: false);
                continue;
            }
            Answer(pending, outcomes[0], failure: null, canceled: false);
            _metrics.GroupCommitted(_name, 1);
        }
    }

    private async Task<TOutcome[]> RecordTogetherAsync(IReadOnlyList<Pending> group)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        // Each piece has its own savepoint; EF's savepoint around every SaveChanges would only add statements.
        db.Database.AutoSavepointsEnabled = false;
        // The group is one unit: it is not abandoned halfway because one of its requests went away.
        var none = CancellationToken.None;
        using var entered = await _gate.EnterAsync(none);
        await using var transaction = await db.Database.BeginTransactionAsync(none);
        var outcomes = new TOutcome[group.Count];
        for (var i = 0; i < group.Count; i++)
        {
            for (var attempt = 1; ; attempt++)
            {
                await transaction.CreateSavepointAsync(Savepoint, none);
                try
                {
                    (outcomes[i], var keep) = await RecordAsync(scope.ServiceProvider, group[i].Work);
                    if (!keep)
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
    private void Answer(Pending pending, TOutcome? outcome, Exception? failure, bool canceled)
    {
        Interlocked.Decrement(ref _unanswered);
        if (canceled)
            pending.Outcome.TrySetCanceled(pending.CancellationToken);
        else if (failure is not null)
            pending.Outcome.TrySetException(failure);
        else
            pending.Outcome.TrySetResult(outcome!);
    }

    private static bool IsUniqueViolation(Exception e) => e switch
    {
        DbUpdateException u => KangenStorage.IsUniqueViolation(u),
        DbException d => KangenStorage.IsUniqueViolation(d),
        _ => false,
    };

    private sealed class Pending(TWork work, CancellationToken cancellationToken)
    {
        public TWork Work { get; } = work;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        // Completed by the writer's loop: the request's continuation must not run on it.
        public TaskCompletionSource<TOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
