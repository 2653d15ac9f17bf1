namespace Kangen.Platform.Storage;

/// <summary>The database engines the platform runs on.</summary>
public enum StorageProvider
{
    /// <summary>An SQLite file in the data folder (the embedded default).</summary>
    Sqlite,

    /// <summary>PostgreSQL 15 (production; several replicas may share it).</summary>
    Postgres,
}

/// <summary>Configuration section <c>Kangen:Storage</c>.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Storage";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>The connection string; for SQLite the default is <c>Data Source=&lt;data&gt;/kangen.db</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// SQLite only: <c>full</c> (default: every commit is fsynced, durable across power loss) or <c>normal</c>
    /// (WAL without an fsync per commit: much faster on slow disks; a power loss may undo the last commits).
    /// </summary>
    public string SqliteSynchronous { get; set; } = "full";

    /// <summary>Apply pending migrations when the host starts (default true).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>Parses <see cref="Provider"/>; an unknown name is a configuration mistake.</summary>
    public StorageProvider ParsedProvider => ParseProvider(Provider);

    /// <summary>Parses a provider name (<c>sqlite</c> or <c>postgres</c>/<c>postgresql</c>, any case).</summary>
    public static StorageProvider ParseProvider(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => StorageProvider.Sqlite,
        "postgres" or "postgresql" or "npgsql" => StorageProvider.Postgres,
        _ => throw new InvalidOperationException($"{Section}:Provider must be 'sqlite' or 'postgres', not '{name}'."),
    };

    /// <summary>The connection string to use, given the data folder.</summary>
    public string ResolveConnectionString(string dataDirectory) => ParsedProvider switch
    {
        StorageProvider.Sqlite => string.IsNullOrWhiteSpace(ConnectionString)
            ? $"Data Source={Path.Combine(dataDirectory, "kangen.db")}"
            : ConnectionString,
        _ => string.IsNullOrWhiteSpace(ConnectionString)
            ? throw new InvalidOperationException($"{Section}:ConnectionString is required for PostgreSQL.")
            : ConnectionString,
    };
}
