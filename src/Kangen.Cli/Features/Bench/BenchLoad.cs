namespace Kangen.Cli.Features.Bench;

/// <summary>What one sent request came to: null when it succeeded, else a readable reason (recorded as an error sample).</summary>
internal readonly record struct BenchOutcome(string? Problem)
{
    public static readonly BenchOutcome Success = new(null);

    public static BenchOutcome Failed(string problem) => new(problem);
}

/// <summary>
/// The closed-loop load generator of <c>kangen bench</c>: <c>workers</c> tasks each send their next request as soon as
/// the previous one answered, until <c>count</c> requests were sent; every request's latency and outcome go to a
/// <see cref="BenchPhase"/> under one operation name. Closed-loop, so the figures are what the platform sustains at that
/// concurrency (throughput = requests / phase time), not what an open arrival rate would queue up to.
/// </summary>
internal static class BenchLoad
{
    /// <summary>
    /// Sends requests 0 .. <paramref name="count"/> - 1 with <paramref name="send"/> from <paramref name="workers"/> tasks,
    /// recording each into <paramref name="phase"/> as <paramref name="operation"/> and bumping <paramref name="progress"/>.
    /// The phase's clock is not started or stopped here: a phase may hold several loads.
    /// </summary>
    /// <param name="send">Sends request number i and says how it went; an HTTP failure (no answer) is caught and recorded as an error.</param>
    public static async Task RunAsync(BenchPhase phase, string operation, int workers, long count,
        Func<long, CancellationToken, Task<BenchOutcome>> send, BenchCounter? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phase);
        await LoopAsync(phase, operation, workers, i => i < count, send, progress, cancellationToken);
    }

    /// <summary>
    /// The same loop, for a time instead of a count: workers take no new request once <paramref name="duration"/> has
    /// passed since the call (the requests under way finish and are recorded), as the machine-limit probes run.
    /// </summary>
    public static Task RunForAsync(BenchPhase phase, string operation, int workers, TimeSpan duration,
        Func<long, CancellationToken, Task<BenchOutcome>> send, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var started = phase.Time.GetTimestamp();
        return LoopAsync(phase, operation, workers, _ => phase.Time.GetElapsedTime(started) < duration, send, null, cancellationToken);
    }

    private static async Task LoopAsync(BenchPhase phase, string operation, int workers, Func<long, bool> more,
        Func<long, CancellationToken, Task<BenchOutcome>> send, BenchCounter? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var next = -1L;
        var time = phase.Time;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            // Each worker on its own task from the start, so they really run at once.
            await Task.Yield();
            long i;
            while (more(i = Interlocked.Increment(ref next)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sent = time.GetTimestamp();
                BenchOutcome outcome;
                try
                {
                    outcome = await send(i, cancellationToken);
                }
                catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    outcome = BenchOutcome.Failed(e.GetType().Name + ": " + e.Message);
                }
                phase.Record(operation, time.GetElapsedTime(sent), outcome.Problem is not null, outcome.Problem);
                progress?.Increment();
            }
        }));
    }

    /// <summary>
    /// The outcome of an answer: success when its status is <paramref name="expected"/> (2xx when null), else the status
    /// and the start of the body (a problem's code is in it).
    /// </summary>
    public static async Task<BenchOutcome> JudgeAsync(HttpResponseMessage response, CancellationToken cancellationToken, System.Net.HttpStatusCode? expected = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (expected is { } status ? response.StatusCode == status : response.IsSuccessStatusCode)
            return BenchOutcome.Success;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return BenchOutcome.Failed($"{(int)response.StatusCode} {text[..Math.Min(text.Length, 200)]}");
    }
}
