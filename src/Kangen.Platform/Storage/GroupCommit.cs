using System.Data.Common;
using System.Threading.Channels;
using Kangen.Platform.Observability;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Storage;

/// <summary>
/// Group commit for one kind of write (applications, sessions). Requests do their checks in parallel and hand the checked
/// work here; one loop takes every piece waiting (up to <see cref="MaxGroup"/>), records them one after another in one
/// transaction, each that writes inside a savepoint so that a refusal or a lost race undoes only its own writes (one
/// whose writes wait in memory needs none: its context refuses writes, see <see cref="KangenDbContext.WritesRefused"/>), and commits once.
/// Every request is answered after that commit, so nothing is acknowledged before it is durable, and a durable commit
/// (an fsync on SQLite, a WAL flush on PostgreSQL) is paid once per group instead of once per request. Each piece sees
/// the group's earlier ones, as it would have seen them committed one by one.
/// </summary>
/// <remarks>
/// A piece that fails on its own (a fault of its data or of the code, not of the database) is rolled back to its
/// savepoint (or undone in memory, when it wrote nothing) and its request gets the exception; the rest of the group goes on. When the database is unavailable, or
/// the commit was attempted and failed (its outcome may be unknown), every request of the group gets the exception (a
/// 503 when unavailable: a retry is safe, the idempotency key or the challenge decides it). When a group fails as a
/// whole for another reason (its writer's one save of the deferred pieces failed on one row, PostgreSQL picked it as a
/// deadlock victim, a savepoint could not be rolled back, a piece without one met a database error), nothing of it was committed, and each piece is recorded again alone. A request that gave up before its group
/// began is dropped unrecorded; one whose group had begun is recorded, and a retry meets it.
/// </remarks>
/// <typeparam name="TWork">What a request hands over, checked.</typeparam>
/// <typeparam name="TOutcome">What its request is answered.</typeparam>
public abstract class GroupCommit<TWork, TOutcome> : IAsyncDisposable, IDisposable
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
    private int _taken;

    /// <summary>A writer named <paramref name="name"/> (its metrics' <c>writer</c> tag), recording with contexts from <paramref name="scopes"/> inside <paramref name="gate"/>.</summary>
    protected GroupCommit(string name, IServiceScopeFactory scopes, WriteGate gate, PlatformMetrics metrics, ILogger log)
    {
        _name = name;
        _scopes = scopes;
        _gate = gate;
        _metrics = metrics;
        _log = log;
        // Started by the first piece of work, so hosts and tools that never write this kind run no loop; without the
        // first request's execution context (its logging scope, activity and culture would otherwise stay on the loop).
        _loop = new Lazy<Task>(() =>
        {
            using var _ = ExecutionContext.SuppressFlow();
            return Task.Run(RunAsync);
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Pieces handed over and not answered yet (waiting, or in the group being recorded).</summary>
    internal int Unanswered => Volatile.Read(ref _unanswered);

    /// <summary>Pieces the loop has taken into a group so far.</summary>
    internal int Taken => Volatile.Read(ref _taken);

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

    /// <summary>
    /// Runs inside the group's transaction before its first piece, with the pieces' scope: reads what they will need
    /// (nothing by default). A failure here fails the group before its commit.
    /// </summary>
    protected virtual Task BeginGroupAsync(IServiceProvider scope, IReadOnlyList<TWork> group) => Task.CompletedTask;

    /// <summary>Runs before each piece (and each new attempt at it), outside its savepoint (nothing by default).</summary>
    protected virtual Task BeforePieceAsync(IServiceProvider scope, TWork work) => Task.CompletedTask;

    /// <summary>
    /// Runs when a piece has been rolled back, to its savepoint if it had one (a refusal, a replay, a failure, a lost
    /// race before its next attempt): undoes what the rollback cannot, such as writes still waiting in the context
    /// (nothing by default).
    /// </summary>
    protected virtual void PieceUndone(IServiceProvider scope)
    {
    }

    /// <summary>Runs after the group's last piece, before its commit: writes what the pieces left in memory (nothing by default).</summary>
    protected virtual Task EndGroupAsync(IServiceProvider scope) => Task.CompletedTask;

    /// <summary>
    /// Takes no more work and waits for the loop to end. Work still queued while the container is being disposed fails
    /// (its scope can no longer be made); the host stops taking requests, and lets those in flight finish, before that.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop.IsValueCreated)
            await _loop.Value;
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Takes no more work; what is queued is still recorded by the loop, without waiting for it here (a container
    /// disposed synchronously must not fail on a service that only disposes asynchronously).
    /// </summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
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
                    Answer(pending, Piece.Dropped);
                else
                    group.Add(pending);
            }
            Interlocked.Add(ref _taken, group.Count);
            if (group.Count == 0)
                continue;
            try
            {
                await WriteGroupAsync(group);
            }
            // A fault of the loop itself (a metrics listener, the logger): whoever of the group is not answered yet gets
            // it, and the loop goes on, or every later request of this kind would wait forever.
            catch (Exception e)
            {
                foreach (var pending in group)
                    Answer(pending, Piece.Failed(e));
                _log.LogError(e, "The {Writer} group commit failed outside its transaction", _name);
            }
        }
    }

    private async Task WriteGroupAsync(List<Pending> group)
    {
        var commitAttempted = false;
        Piece[]? pieces = null;
        try
        {
            pieces = await RecordTogetherAsync(group, () => commitAttempted = true);
        }
        catch (Exception e) when (!commitAttempted && (group.Count > 1 && !KangenStorage.IsUnavailable(e) || KangenStorage.IsDeadlock(e)))
        {
            // Nothing of the group was committed: each piece alone, so that the failure lands where it belongs.
            _log.LogWarning(e, "A group of {Count} {Writer} failed before its commit; recording each alone", group.Count, _name);
            foreach (var pending in group)
                await WriteAloneAsync(pending);
            return;
        }
        catch (Exception e)
        {
            // The database is unavailable, or the commit's outcome is unknown: recording again could answer "already
            // done" for what this group did; every request gets the failure, and its retry is safe.
            foreach (var pending in group)
                Answer(pending, Piece.Failed(e));
            return;
        }
        Deliver(group, pieces);
    }

    private async Task WriteAloneAsync(Pending pending)
    {
        Piece[] pieces;
        try
        {
            pieces = await RecordTogetherAsync([pending], () => { });
        }
        // Handed to the request that sent it (a 503 when the database is unavailable, else a 500).
        catch (Exception e)
        {
            Answer(pending, Piece.Failed(e));
            return;
        }
        Deliver([pending], pieces);
    }

    // The answers land even when a metrics listener throws (the loop's own handler then logs it).
    private void Deliver(IReadOnlyList<Pending> group, Piece[] pieces)
    {
        try
        {
            _metrics.GroupCommitted(_name, group.Count);
        }
        finally
        {
            for (var i = 0; i < group.Count; i++)
                Answer(group[i], pieces[i]);
        }
    }

    private async Task<Piece[]> RecordTogetherAsync(IReadOnlyList<Pending> group, Action committing)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        // Each piece has its own savepoint; EF's savepoint around every SaveChanges would only add statements.
        db.Database.AutoSavepointsEnabled = false;
        // The group is one unit: it is not abandoned halfway because one of its requests went away.
        var none = CancellationToken.None;
        using var entered = await _gate.EnterAsync(none);
        await using var transaction = await db.Database.BeginTransactionAsync(none);
        await BeginGroupAsync(scope.ServiceProvider, group.Select(p => p.Work).ToArray());
        var pieces = new Piece[group.Count];
        for (var i = 0; i < group.Count; i++)
        {
            for (var attempt = 1; ; attempt++)
            {
                await BeforePieceAsync(scope.ServiceProvider, group[i].Work);
                // A piece that only reads (its writes wait in memory for the group's save) has nothing for a savepoint to
                // undo: two statements saved per piece, two round trips on PostgreSQL.
                // BeforePieceAsync says so by refusing writes on the context (KangenDbContext.WritesRefused).
                var savepoint = !db.WritesRefused;
                if (savepoint)
                    await transaction.CreateSavepointAsync(Savepoint, none);
                try
                {
                    var (outcome, keep) = await RecordAsync(scope.ServiceProvider, group[i].Work);
                    // A refusal or a replay keeps nothing it may have written.
                    if (!keep)
                    {
                        if (savepoint)
                            await transaction.RollbackToSavepointAsync(Savepoint, none);
                        PieceUndone(scope.ServiceProvider);
                    }
                    if (savepoint)
                        await transaction.ReleaseSavepointAsync(Savepoint, none);
                    pieces[i] = Piece.Done(outcome);
                    break;
                }
                // The database's unavailability and deadlocks fail the group instead (they are not the piece's doing).
                catch (Exception e) when (!KangenStorage.IsUnavailable(e))
                {
                    // A statement that failed without a savepoint may have aborted the transaction (PostgreSQL): the group
                    // fails before its commit, and each piece is recorded alone.
                    if (!savepoint && e is DbException or DbUpdateException)
                        throw;
                    if (savepoint)
                        await transaction.RollbackToSavepointAsync(Savepoint, none);
                    PieceUndone(scope.ServiceProvider);
                    if (savepoint)
                        await transaction.ReleaseSavepointAsync(Savepoint, none);
                    if (attempt < MaxAttempts && IsUniqueViolation(e))
                        continue;
                    // The piece's own fault (its data, or a bug on its path): undone, handed to its request, and the
                    // group goes on.
                    pieces[i] = Piece.Failed(e);
                    break;
                }
            }
        }
        await EndGroupAsync(scope.ServiceProvider);
        committing();
        await transaction.CommitAsync(none);
        return pieces;
    }

    // Answered once: the count goes down only for the answer that lands.
    private void Answer(Pending pending, Piece piece)
    {
        var landed = piece switch
        {
            { Canceled: true } => pending.Outcome.TrySetCanceled(pending.CancellationToken),
            { Failure: { } failure } => pending.Outcome.TrySetException(failure),
            _ => pending.Outcome.TrySetResult(piece.Outcome!),
        };
        if (landed)
            Interlocked.Decrement(ref _unanswered);
    }

    private static bool IsUniqueViolation(Exception e) => e switch
    {
        DbUpdateException u => KangenStorage.IsUniqueViolation(u),
        DbException d => KangenStorage.IsUniqueViolation(d),
        _ => false,
    };

    /// <summary>What one piece came to: its outcome, or the failure its request gets, or dropped unrecorded.</summary>
    private readonly record struct Piece(TOutcome? Outcome, Exception? Failure, bool Canceled)
    {
        public static Piece Done(TOutcome outcome) => new(outcome, null, false);
        public static Piece Failed(Exception failure) => new(default, failure, false);
        public static readonly Piece Dropped = new(default, null, true);
    }

    private sealed class Pending(TWork work, CancellationToken cancellationToken)
    {
        public TWork Work { get; } = work;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        // Completed by the writer's loop: the request's continuation must not run on it.
        public TaskCompletionSource<TOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
