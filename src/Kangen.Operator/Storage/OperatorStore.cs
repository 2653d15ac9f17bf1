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
}
