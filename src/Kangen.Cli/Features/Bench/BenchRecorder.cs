using System.Collections.Concurrent;

namespace Kangen.Cli.Features.Bench;

/// <summary>
/// One measured phase of a scenario: every request's latency and outcome per operation, and the phase's wall time.
/// Thread-safe: thousands of simulated clients record at once.
/// </summary>
internal sealed class BenchPhase(string name, TimeProvider time)
{
    /// <summary>How many error samples a phase keeps for the report (the count is exact, the samples are for reading).</summary>
    private const int KeptErrorSamples = 20;

    private readonly ConcurrentDictionary<string, OperationSamples> _operations = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _errorSamples = new();
    private long _started;
    private long _ended;

    public string Name { get; } = name;

    public TimeProvider Time { get; } = time;

    /// <summary>Starts the phase's clock (throughput is counted over the time between <see cref="Start"/> and <see cref="End"/>).</summary>
    public void Start()
    {
        _started = Time.GetTimestamp();
        // Read inside the phase's clock, so that no processor time from before its start or after its end is counted
        // (the kernel may still add a running thread's last few milliseconds late).
        CpuAtStart = CpuReading.Now();
    }

    /// <summary>Stops the phase's clock.</summary>
    public void End()
    {
        CpuAtEnd = CpuReading.Now();
        _ended = Time.GetTimestamp();
    }

    /// <summary>The processor time read when the phase started (see <see cref="BenchCpu"/>).</summary>
    public CpuReading CpuAtStart { get; private set; }

    /// <summary>The processor time read when the phase ended.</summary>
    public CpuReading CpuAtEnd { get; private set; }

    /// <summary>The requests of every operation the phase recorded.</summary>
    public long Requests => _operations.Values.Sum(o => o.Count);

    /// <summary>The phase's wall time (zero until it has ended).</summary>
    public TimeSpan Duration => _ended == 0 ? TimeSpan.Zero : Time.GetElapsedTime(_started, _ended);

    /// <summary>Records one request of <paramref name="operation"/> that took <paramref name="latency"/>; an error also keeps a readable sample.</summary>
    public void Record(string operation, TimeSpan latency, bool error, string? errorDetail = null)
    {
        _operations.GetOrAdd(operation, _ => new OperationSamples()).Add(latency, error);
        if (error && _errorSamples.Count < KeptErrorSamples)
            _errorSamples.Enqueue($"{operation}: {errorDetail ?? "error"}");
    }

    /// <summary>The errors of every operation of the phase.</summary>
    public long Errors => _operations.Values.Sum(o => o.Errors);

    /// <summary>The summary of each operation, in the order they were first recorded.</summary>
    public PhaseResult Summarise() => new(Name, Math.Round(Duration.TotalSeconds, 3),
        [.. _operations.OrderBy(o => o.Value.FirstSeen).Select(o => o.Value.Summarise(o.Key, Duration))], [.. _errorSamples]);

    private sealed class OperationSamples
    {
        private static long _order;
        private readonly Lock _gate = new();
        private readonly List<long> _ticks = [];
        private long _errors;

        public long FirstSeen { get; } = Interlocked.Increment(ref _order);

        public long Errors => Interlocked.Read(ref _errors);

        public long Count
        {
            get
            {
                lock (_gate)
                    return _ticks.Count;
            }
        }

        public void Add(TimeSpan latency, bool error)
        {
            if (error)
                Interlocked.Increment(ref _errors);
            lock (_gate)
                _ticks.Add(latency.Ticks);
        }

        public OperationResult Summarise(string operation, TimeSpan duration)
        {
            long[] sorted;
            lock (_gate)
                sorted = [.. _ticks];
            Array.Sort(sorted);
            var throughput = duration > TimeSpan.Zero ? sorted.Length / duration.TotalSeconds : 0;
            return new OperationResult(operation, sorted.Length, Math.Round(throughput, 1),
                Milliseconds(Percentile(sorted, 0.50)), Milliseconds(Percentile(sorted, 0.99)),
                Milliseconds(sorted.Length == 0 ? 0 : sorted[^1]), Errors);
        }
    }

    /// <summary>Nearest-rank percentile of sorted values (exact: every sample is kept, which a phase of a few million requests affords).</summary>
    public static long Percentile(IReadOnlyList<long> sorted, double fraction)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
            return 0;
        var rank = (int)Math.Ceiling(fraction * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static double Milliseconds(long ticks) => Math.Round(TimeSpan.FromTicks(ticks).TotalMilliseconds, 2);
}

/// <summary>
/// What a scenario reports while it runs: named counters (done of total) the runner shows as progress bars. Counters
/// are bumped from many tasks at once; the runner reads them on its own refresh.
/// </summary>
internal sealed class BenchProgress
{
    private readonly ConcurrentQueue<BenchCounter> _counters = new();

    /// <summary>A new counter shown as a bar titled <paramref name="description"/>, out of <paramref name="total"/>.</summary>
    public BenchCounter Add(string description, long total)
    {
        var counter = new BenchCounter(description, total);
        _counters.Enqueue(counter);
        return counter;
    }

    public IReadOnlyList<BenchCounter> Counters => [.. _counters];
}

/// <summary>One progress counter.</summary>
internal sealed class BenchCounter(string description, long total)
{
    private long _done;

    public string Description { get; } = description;

    public long Total { get; } = total;

    public long Done => Interlocked.Read(ref _done);

    public void Increment() => Interlocked.Increment(ref _done);

    /// <summary>Counts <paramref name="count"/> more done at once (a batch).</summary>
    public void Add(long count) => Interlocked.Add(ref _done, count);

    /// <summary>Marks the counter complete (work that was already there, such as cached cards).</summary>
    public void Complete() => Interlocked.Exchange(ref _done, Total);
}
