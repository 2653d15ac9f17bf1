using Microsoft.EntityFrameworkCore;

namespace Kangen.Operator.Storage;

/// <summary>Opens the operator's database (one context per unit of work; the file is created on first use).</summary>
public sealed class OperatorStore
{
    private readonly DbContextOptions<OperatorDb> _options;

    /// <summary>The store of <paramref name="operatorCode"/> in <paramref name="dataFolder"/>.</summary>
    public OperatorStore(string dataFolder, string operatorCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(operatorCode);
        Directory.CreateDirectory(dataFolder);
        DataFolder = Path.GetFullPath(dataFolder);
        File = OperatorDb.PathOf(DataFolder, operatorCode);
        // Pooling off: the file is released when a context is disposed, so tests and CLI runs can delete their folders.
        _options = new DbContextOptionsBuilder<OperatorDb>().UseSqlite($"Data Source={File};Pooling=False").Options;
        using var db = new OperatorDb(_options);
        db.Database.EnsureCreated();
        // WAL lets the verification endpoint read while the reporter writes.
        db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
    }

    /// <summary>The data folder.</summary>
    public string DataFolder { get; }

    /// <summary>The database file.</summary>
    public string File { get; }

    /// <summary>A new context (dispose it).</summary>
    public OperatorDb Open() => new(_options);

    /// <summary>
    /// Holds the store for one unit of operator work (a round of the worker of <c>kangen operator run</c>, a whole
    /// <c>kangen operator simulate</c> or <c>settle</c>), waiting up to <paramref name="wait"/> for whoever holds it;
    /// null when it is still held then. The puller, the ledger and the reporter keep rows in their context from one
    /// transaction to the next, so two of them on one store at once would act on stale copies (a cap reached seen as not,
    /// an outbox line sent twice, a settlement compared while answers land). A lock on a file beside the database
    /// (<c>flock</c>, released when the holder disposes it or its process ends), so it holds across processes.
    /// </summary>
    public async Task<IDisposable?> LockAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var path = File + ".lock";
        // Another process's work is waited for in real time, whatever clock the caller's work runs on.
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            // Only the lock's conflict means "held" (an IOException itself); a missing folder or a full disk is thrown.
            catch (IOException e) when (e.GetType() == typeof(IOException) && TimeProvider.System.GetElapsedTime(started) < wait)
            {
                await Task.Delay(LockPoll, cancellationToken);
            }
            catch (IOException e) when (e.GetType() == typeof(IOException))
            {
                return null;
            }
        }
    }

    private static readonly TimeSpan LockPoll = TimeSpan.FromMilliseconds(50);
}
