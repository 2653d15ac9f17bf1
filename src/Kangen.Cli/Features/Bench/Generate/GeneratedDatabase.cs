using System.Text.RegularExpressions;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Storage;
using Npgsql;

namespace Kangen.Cli.Features.Bench.Generate;

/// <summary>
/// Where a generated database lives: a platform data folder (<c>&lt;data&gt;/bench/generated/&lt;name&gt;</c>, holding the
/// SQLite file and the key file its service IDs are sealed with; <c>&lt;name&gt;.pg</c> for PostgreSQL) and, with PostgreSQL, a database
/// <c>kangen_gen_&lt;name&gt;</c> on the given server. A named one is kept, so a 10-million-people database is generated
/// once and reused; an unnamed one (a scenario's own) is removed when disposed.
/// </summary>
internal sealed partial class GeneratedDatabase : IAsyncDisposable
{
    private readonly string? _server;

    private GeneratedDatabase(string name, string folder, StorageProvider provider, string connectionString, string? server, string? postgresName, bool keep)
    {
        Name = name;
        Folder = folder;
        Provider = provider;
        ConnectionString = connectionString;
        _server = server;
        PostgresName = postgresName;
        Keep = keep;
    }

    public string Name { get; }

    /// <summary>The platform data folder (SQLite's <c>kangen.db</c>, the key file).</summary>
    public string Folder { get; }

    public StorageProvider Provider { get; }

    public string ConnectionString { get; }

    /// <summary>The PostgreSQL database's name (null on SQLite).</summary>
    public string? PostgresName { get; }

    /// <summary>Kept after the run (named), or removed (a scenario's own).</summary>
    public bool Keep { get; }

    /// <summary>The key file of the data folder: every platform started on this database must seal and hash with it.</summary>
    public string KeyFile => SecretKeys.DefaultPath(Folder);

    /// <summary>What the platform needs to start on this database.</summary>
    public IReadOnlyList<string> PlatformSettings => Provider == StorageProvider.Postgres
        ? ["--Kangen:Storage:Provider=postgres", "--Kangen:Storage:ConnectionString=" + ConnectionString, "--Kangen:Secrets:KeyFile=" + KeyFile]
        : ["--Kangen:Secrets:KeyFile=" + KeyFile];

    /// <summary>Names a generated database may have: what a folder and a PostgreSQL identifier both take without quoting.</summary>
    [GeneratedRegex("^[a-z0-9_]{1,40}$")]
    public static partial Regex NamePattern();

    /// <summary>
    /// The data folder of a generated database: <c>generated/&lt;name&gt;</c> for SQLite, <c>generated/&lt;name&gt;.pg</c> for
    /// PostgreSQL (its key file), so an SQLite and a PostgreSQL database of the same name never share (or drop) a folder.
    /// </summary>
    public static string FolderOf(string benchFolder, string name, bool postgres = false) =>
        Path.Combine(benchFolder, "generated", postgres ? name + ".pg" : name);

    /// <summary>
    /// Finds or prepares the place of <paramref name="name"/> (null: a fresh one removed at the end). Whether it already
    /// holds a database is in <c>Exists</c>. An unreachable server is an error value, not an exception.
    /// </summary>
    public static async Task<(GeneratedDatabase? Database, bool Exists, string? Error)> LocateAsync(
        string benchFolder, string? name, string? server, CancellationToken cancellationToken)
    {
        var keep = name is not null;
        name ??= "run_" + Guid.NewGuid().ToString("N")[..12];
        if (!NamePattern().IsMatch(name))
            return (null, false, $"--name must be 1 to 40 of a-z, 0-9 and _, not '{name}'");
        var folder = FolderOf(benchFolder, name, postgres: server is not null);
        if (server is null)
        {
            var file = Path.Combine(folder, "kangen.db");
            return (new GeneratedDatabase(name, folder, StorageProvider.Sqlite, $"Data Source={file}", null, null, keep), File.Exists(file), null);
        }
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(server);
        }
        catch (ArgumentException e)
        {
            return (null, false, "--postgres is not a connection string: " + e.Message);
        }
        var database = "kangen_gen_" + name;
        try
        {
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", database);
            var found = await exists.ExecuteScalarAsync(cancellationToken) is not null;
            return (new GeneratedDatabase(name, folder, StorageProvider.Postgres, new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Database = database }.ConnectionString,
                server, database, keep), found, null);
        }
        catch (NpgsqlException e)
        {
            return (null, false, $"PostgreSQL at {builder.Host}:{builder.Port} cannot be reached: {e.Message}");
        }
    }

    /// <summary>Creates the (empty) database: the folder, and on PostgreSQL the database itself. Migrations are the generator's.</summary>
    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        if (Provider != StorageProvider.Postgres)
            return;
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync(cancellationToken);
        // The name is ours (a prefix and a checked pattern): nothing else of the caller's reaches the statement.
        await using var create = new NpgsqlCommand($"CREATE DATABASE {PostgresName}", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes the database and its folder (for <c>--replace</c>, and for a scenario's own at the end).</summary>
    public async Task DropAsync()
    {
        if (Provider == StorageProvider.Postgres)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_server);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {PostgresName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        else
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(Folder))
            Directory.Delete(Folder, recursive: true);
    }

    /// <summary>The database's size on disk in bytes (the SQLite files, or pg_database_size).</summary>
    public async Task<long> SizeAsync(CancellationToken cancellationToken)
    {
        if (Provider == StorageProvider.Sqlite)
            return Directory.Exists(Folder) ? Directory.EnumerateFiles(Folder, "kangen.db*").Sum(f => new FileInfo(f).Length) : 0;
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var size = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return (long)(await size.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Keep)
            await DropAsync();
    }
}
