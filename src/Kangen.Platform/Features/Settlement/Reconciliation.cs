using System.Globalization;
using System.Text;
using System.Text.Json;
using Kangen.Platform.Features.Grants;
using Kangen.Platform.Problems;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Settlement;

/// <summary>
/// Reconciliation of an operator's ledger against an envelope in bounded memory: the operator's lines are read from
/// the spooled file, sorted in runs of <see cref="RunLines"/> (runs beyond the first go to temporary files), merged
/// back in key order (equal keys summed), and merged with the envelope's lines streamed from the database in the same
/// order. Nothing holds more than one run, whatever the sizes of the file and of the envelope.
/// </summary>
public sealed class Reconciliation : IAsyncDisposable
{
    /// <summary>Lines sorted in memory at a time.</summary>
    public const int RunLines = 100_000;

    private readonly List<string> _runFiles = [];
    private List<KeyPoints>? _memoryRun;

    private Reconciliation()
    {
    }

    /// <summary>Reads and sorts the operator's lines; a problem (with the line number) when a line is not valid.</summary>
    public static Task<(Reconciliation? Value, PlatformProblem? Problem)> ReadAsync(Stream file, CancellationToken cancellationToken) =>
        ReadAsync(file, RunLines, cancellationToken);

    /// <summary>The largest points of one line either way (a grant is at most 20,000).</summary>
    public const long MaxLinePoints = 1_000_000_000;

    /// <summary>As <see cref="ReadAsync(Stream, CancellationToken)"/> with runs of <paramref name="runLines"/> lines.</summary>
    internal static async Task<(Reconciliation? Value, PlatformProblem? Problem)> ReadAsync(Stream file, int runLines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var reconciliation = new Reconciliation();
        try
        {
            var run = new List<KeyPoints>();
            long number = 0;
            await foreach (var text in Operators.OperatorBodies.ReadLinesAsync(file, cancellationToken))
            {
                number++;
                if (text is not null && string.IsNullOrWhiteSpace(text))
                    continue;
                ReconciliationLine? line;
                try
                {
                    line = text is null ? null : JsonSerializer.Deserialize<ReconciliationLine>(text, ProtocolJson.Options);
                }
                catch (JsonException)
                {
                    line = null;
                }
                // Points are bounded so that summing a key's lines (up to the file's size) can never overflow.
                if (line is null || !GrantRules.IsValidKey(line.Key) || line.Points is < -MaxLinePoints or > MaxLinePoints)
                {
                    await reconciliation.DisposeAsync();
                    return (null, SettlementProblems.LineInvalid.WithDetail(string.Create(CultureInfo.InvariantCulture,
                        $"line {number}: expected {{\"key\": \"1-64 of A-Za-z0-9._:-\", \"points\": integer of at most {MaxLinePoints:N0} either way}}")));
                }
                run.Add(new KeyPoints(line.Key, line.Points));
                if (run.Count == runLines)
                {
                    await reconciliation.SpillAsync(run, cancellationToken);
                    run.Clear();
                }
            }
            run.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            if (reconciliation._runFiles.Count == 0)
                reconciliation._memoryRun = run;
            else if (run.Count > 0)
                await reconciliation.SpillAsync(run, cancellationToken);
            return (reconciliation, null);
        }
        catch
        {
            await reconciliation.DisposeAsync();
            throw;
        }
    }

    /// <summary>The differences between the operator's lines and <paramref name="platform"/> (in ordinal key order).</summary>
    public async IAsyncEnumerable<ReconciliationDifference> CompareAsync(
        IAsyncEnumerable<KeyPoints> platform, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(platform);
        await using var ours = platform.GetAsyncEnumerator(cancellationToken);
        await using var theirs = Merged(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var hasOurs = await ours.MoveNextAsync();
        var hasTheirs = await theirs.MoveNextAsync();
        while (hasOurs || hasTheirs)
        {
            var order = !hasOurs ? 1 : !hasTheirs ? -1 : string.CompareOrdinal(ours.Current.Key, theirs.Current.Key);
            if (order < 0)
            {
                yield return new ReconciliationDifference(ours.Current.Key, "missing-at-operator", ours.Current.Points, null);
                hasOurs = await ours.MoveNextAsync();
            }
            else if (order > 0)
            {
                yield return new ReconciliationDifference(theirs.Current.Key, "missing-at-platform", null, theirs.Current.Points);
                hasTheirs = await theirs.MoveNextAsync();
            }
            else
            {
                if (ours.Current.Points != theirs.Current.Points)
                    yield return new ReconciliationDifference(ours.Current.Key, "points-differ", ours.Current.Points, theirs.Current.Points);
                hasOurs = await ours.MoveNextAsync();
                hasTheirs = await theirs.MoveNextAsync();
            }
        }
    }

    /// <summary>The operator's lines in key order, lines with the same key summed into one.</summary>
    private async IAsyncEnumerable<KeyPoints> Merged([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        KeyPoints? pending = null;
        await foreach (var line in Sorted(cancellationToken))
        {
            if (pending is not null && pending.Key == line.Key)
            {
                pending = pending with { Points = pending.Points + line.Points };
                continue;
            }
            if (pending is not null)
                yield return pending;
            pending = line;
        }
        if (pending is not null)
            yield return pending;
    }

    private async IAsyncEnumerable<KeyPoints> Sorted([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_memoryRun is not null)
        {
            foreach (var line in _memoryRun)
                yield return line;
            yield break;
        }
        var readers = _runFiles.Select(path => new StreamReader(path, Encoding.UTF8)).ToList();
        try
        {
            var queue = new PriorityQueue<(KeyPoints Line, int Reader), string>(StringComparer.Ordinal);
            for (var i = 0; i < readers.Count; i++)
            {
                if (await ReadRunLineAsync(readers[i], cancellationToken) is { } first)
                    queue.Enqueue((first, i), first.Key);
            }
            while (queue.TryDequeue(out var next, out _))
            {
                yield return next.Line;
                if (await ReadRunLineAsync(readers[next.Reader], cancellationToken) is { } following)
                    queue.Enqueue((following, next.Reader), following.Key);
            }
        }
        finally
        {
            foreach (var reader in readers)
                reader.Dispose();
        }
    }

    private static async Task<KeyPoints?> ReadRunLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        if (await reader.ReadLineAsync(cancellationToken) is not { } text)
            return null;
        var tab = text.IndexOf('\t', StringComparison.Ordinal);
        return new KeyPoints(text[..tab], long.Parse(text.AsSpan(tab + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
    }

    private async Task SpillAsync(List<KeyPoints> run, CancellationToken cancellationToken)
    {
        run.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var path = Path.Combine(Path.GetTempPath(), "kangen-reconcile-" + Guid.NewGuid().ToString("N"));
        _runFiles.Add(path);
        await using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        foreach (var line in run)
            await writer.WriteLineAsync((line.Key + "\t" + line.Points.ToString(CultureInfo.InvariantCulture)).AsMemory(), cancellationToken);
    }

    /// <summary>Deletes the run files.</summary>
    public ValueTask DisposeAsync()
    {
        foreach (var path in _runFiles)
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        _runFiles.Clear();
        _memoryRun = null;
        return ValueTask.CompletedTask;
    }
}
