using System.Data.Common;
using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kangen.Platform.Storage;

/// <summary>Creating contexts, applying migrations and recognising provider errors, for the host and the CLI alike.</summary>
public static class KangenStorage
{
    /// <summary>
    /// Configures <paramref name="options"/> for the provider and connection string. For SQLite,
    /// <paramref name="sqliteSynchronous"/> <c>normal</c> sets <c>PRAGMA synchronous=NORMAL</c> on every connection
    /// (in WAL mode: no fsync per commit; a power loss may undo the last commits, an application crash does not).
    /// </summary>
    public static void Configure(DbContextOptionsBuilder options, StorageProvider provider, string connectionString, string? sqliteSynchronous = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        // A unique violation is an expected outcome here (a racing first login or replay, handled by retrying);
        // the exception still reaches the caller, so EF's own error log lines would only be noise.
        options.ConfigureWarnings(w => w.Log(
            (Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.SaveChangesFailed, LogLevel.Debug),
            (Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandError, LogLevel.Debug)));
        options.AddInterceptors(RefusedWrites.Instance);
        if (provider == StorageProvider.Sqlite)
        {
            options.UseSqlite(Sqlite(connectionString), o => o.MigrationsHistoryTable("__ef_migrations"));
            switch (sqliteSynchronous?.Trim().ToLowerInvariant())
            {
                case null or "" or "full":
                    break;
                case "normal":
                    options.AddInterceptors(SynchronousNormal.Instance);
                    break;
                default:
                    throw new InvalidOperationException($"{StorageOptions.Section}:SqliteSynchronous must be 'full' or 'normal', not '{sqliteSynchronous}'.");
            }
        }
        else
            options.UseNpgsql(Postgres(connectionString), o => o.MigrationsHistoryTable("__ef_migrations"));
    }

    /// <summary>
    /// Statements Npgsql prepares on each PostgreSQL connection, the least recently used giving way
    /// (<c>Max Auto Prepare</c>), unless the connection string says otherwise.
    /// </summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>A context outside dependency injection (CLI admin commands, tests).</summary>
    public static KangenDbContext CreateContext(StorageProvider provider, string connectionString)
    {
        if (provider == StorageProvider.Sqlite)
        {
            var builder = new DbContextOptionsBuilder<SqliteKangenDbContext>();
            Configure(builder, provider, connectionString);
            return new SqliteKangenDbContext(builder.Options);
        }
        var pg = new DbContextOptionsBuilder<PostgresKangenDbContext>();
        Configure(pg, provider, connectionString);
        return new PostgresKangenDbContext(pg.Options);
    }

    /// <summary>
    /// Applies pending migrations. For SQLite it first creates the folder and switches the file to WAL
    /// (persistent in the file), so readers never block the single writer.
    /// </summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(KangenDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Provider == StorageProvider.Sqlite)
        {
            var source = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            if (!string.IsNullOrEmpty(source) && source != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(source)) is { } dir)
                Directory.CreateDirectory(dir);
            await db.Database.OpenConnectionAsync(cancellationToken);
            try
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToArray();
        if (pending.Length > 0)
            await db.Database.MigrateAsync(cancellationToken);
        return pending;
    }

    /// <summary>True when the failure is a unique or primary key violation (a concurrent writer got there first).</summary>
    public static bool IsUniqueViolation(DbUpdateException exception) => exception?.InnerException switch
    {
        SqliteException s => s.SqliteErrorCode == 19 && s.SqliteExtendedErrorCode is 1555 or 2067,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    /// <summary>True when a provider exception means the row was already there (for raw commands).</summary>
    public static bool IsUniqueViolation(DbException exception) => exception switch
    {
        SqliteException s => s.SqliteErrorCode == 19 && s.SqliteExtendedErrorCode is 1555 or 2067,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    /// <summary>
    /// True when a failure means the database could not be reached or could not take the request now (connection
    /// refused or broken, server shutting down or restarting, too many connections, a pool or command timeout, SQLite
    /// busy or locked): the request did not complete and the same request can be sent again (a connection broken during
    /// a commit may leave the commit done: a retry then meets its own idempotency key or uniqueness). Walks inner
    /// exceptions, because EF wraps provider errors; a timeout or socket error counts only inside a provider's exception
    /// (a regular expression's timeout is not the database).
    /// </summary>
    public static bool IsUnavailable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException p:
                    // Class 08 (connection), 53 (insufficient resources), 57P01-57P03 (shutdown, crash, cannot connect now).
                    return p.IsTransient || p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("53", StringComparison.Ordinal)
                        || p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;
                case NpgsqlException n:
                    return n.IsTransient || n.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException;
                case SqliteException s:
                    return s.SqliteErrorCode is 5 or 6; // SQLITE_BUSY, SQLITE_LOCKED
                case DbException:
                    return false;
            }
        }
        return false;
    }

    /// <summary>
    /// True when PostgreSQL aborted the transaction to break a deadlock or a serialization conflict with another: the same
    /// work in a new transaction can succeed once the other has finished.
    /// </summary>
    public static bool IsDeadlock(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException p)
                return p.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;
        }
        return false;
    }

    /// <summary>
    /// Refuses a statement that writes (any run as a non-query: an <c>ExecuteUpdate</c>, an <c>ExecuteDelete</c>, raw SQL)
    /// while the context's <see cref="KangenDbContext.WritesRefused"/> is set: a deferred piece of a group commit runs
    /// without a savepoint, so a write of its own could not be undone when it is refused.
    /// </summary>
    private sealed class RefusedWrites : Microsoft.EntityFrameworkCore.Diagnostics.DbCommandInterceptor
    {
        public static readonly RefusedWrites Instance = new();

        public override Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int> NonQueryExecuting(DbCommand command,
            Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData eventData, Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int> result)
        {
            Check(eventData);
            return result;
        }

        public override ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command,
            Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData eventData, Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            Check(eventData);
            return ValueTask.FromResult(result);
        }

        private static void Check(Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData eventData)
        {
            if (eventData.Context is KangenDbContext { WritesRefused: true })
                throw new InvalidOperationException("A deferred piece of a group commit cannot write to the database: its writes wait for its group's save.");
        }
    }

    private sealed class SynchronousNormal : Microsoft.EntityFrameworkCore.Diagnostics.DbConnectionInterceptor
    {
        public static readonly SynchronousNormal Instance = new();

        public override void ConnectionOpened(DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=NORMAL;";
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=NORMAL;";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    // The platform sends the same statements again and again (a group's reads and its inserts, the requests' lookups):
    // prepared, their text is no longer sent and parsed on every call. Applications on PostgreSQL were faster with it in
    // eight of nine alternated pairs, by about a fifth (docs/performance.md, "Prepared statements"). A connection string
    // that names the setting keeps its own: 0 turns it off, as a pooler in transaction mode needs unless it keeps
    // prepared statements itself (PgBouncer 1.21 and later with max_prepared_statements above 0).
    internal static string Postgres(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
            return connectionString;
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = DefaultMaxAutoPrepare }.ConnectionString;
    }

    private static string Sqlite(string connectionString)
    {
        // A generous busy timeout: writers queue on SQLite's single write lock instead of failing.
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DefaultTimeout == 30)
            builder.DefaultTimeout = 60;
        return builder.ToString();
    }
}

/// <summary>Registers the database for the provider chosen by <c>Kangen:Storage:Provider</c>.</summary>
public static class StorageRegistration
{
    /// <summary>Adds <see cref="KangenDbContext"/> (as the provider's derived context), the write gate and start-up migration.</summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);
        // Resolved lazily from the final configuration, so hosts and tests can set it up to the last moment; then built
        // once (singleton options) instead of in every request's scope: building them there made an application allocate
        // 16 % more (docs/performance.md). StorageOptions is read once per host (IOptions) either way, and now so is the
        // data folder, so the database cannot move under a running host while its keys and settings stay.
        builder.Services.AddDbContext<SqliteKangenDbContext>((sp, o) => KangenStorage.Configure(o, StorageProvider.Sqlite, ConnectionString(sp),
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.SqliteSynchronous), optionsLifetime: ServiceLifetime.Singleton);
        builder.Services.AddDbContext<PostgresKangenDbContext>((sp, o) => KangenStorage.Configure(o, StorageProvider.Postgres, ConnectionString(sp)),
            optionsLifetime: ServiceLifetime.Singleton);
        builder.Services.AddScoped<KangenDbContext>(sp => Provider(sp) == StorageProvider.Sqlite
            ? sp.GetRequiredService<SqliteKangenDbContext>()
            : sp.GetRequiredService<PostgresKangenDbContext>());
        builder.Services.AddSingleton(sp => new WriteGate(Provider(sp), sp.GetService<TimeProvider>(), sp.GetService<IMeterFactory>()));
        builder.Services.AddHostedService<MigrateOnStart>();
        return builder;
    }

    private static StorageProvider Provider(IServiceProvider services) =>
        services.GetRequiredService<IOptions<StorageOptions>>().Value.ParsedProvider;

    private static string ConnectionString(IServiceProvider services) =>
        services.GetRequiredService<IOptions<StorageOptions>>().Value.ResolveConnectionString(
            PlatformData.Resolve(services.GetRequiredService<IConfiguration>()));
}

/// <summary>
/// Serialises writers inside one process for SQLite, whose single write lock would otherwise be fought
/// over by busy-waiting connections; PostgreSQL needs no gate (row locks do the work, across replicas too).
/// Everything inside the gate is serial, so the time it is held bounds the platform's write rate: both the wait and
/// the hold are recorded (meter <see cref="Observability.PlatformMetrics.MeterName"/>), which is what an administrator
/// and <c>kangen bench</c> read to see how close the writer is to saturation.
/// </summary>
public sealed class WriteGate
{
    /// <summary>Seconds a writer held the gate (histogram).</summary>
    public const string HeldInstrument = "kangen.storage.write_gate.held";

    /// <summary>Seconds a writer waited for the gate (histogram).</summary>
    public const string WaitInstrument = "kangen.storage.write_gate.wait";

    private readonly SemaphoreSlim? _gate;
    private readonly TimeProvider _time;
    private readonly Histogram<double>? _held;
    private readonly Histogram<double>? _wait;

    /// <summary>A gate for <paramref name="provider"/>; with <paramref name="meters"/> its wait and hold times are recorded.</summary>
    public WriteGate(StorageProvider provider, TimeProvider? time = null, IMeterFactory? meters = null)
    {
        _gate = provider == StorageProvider.Sqlite ? new SemaphoreSlim(1, 1) : null;
        _time = time ?? TimeProvider.System;
        if (_gate is not null && meters is not null)
        {
            var meter = meters.Create(Observability.PlatformMetrics.MeterName);
            // Holds are milliseconds: the default boundaries (0, 5, 10, 25 ... s) would put every one in the first bucket.
            var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] };
            _held = meter.CreateHistogram(HeldInstrument, "s", "Time a writer held the SQLite write gate (all writes are serial inside it).",
                tags: null, advice: buckets);
            _wait = meter.CreateHistogram(WaitInstrument, "s", "Time a writer waited for the SQLite write gate.", tags: null, advice: buckets);
        }
    }

    /// <summary>Waits for the gate; dispose the result to release it.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (_gate is null)
            return NoGate.Instance;
        var requested = _time.GetTimestamp();
        await _gate.WaitAsync(cancellationToken);
        var entered = _time.GetTimestamp();
        var release = new Release(this, entered);
        try
        {
            _wait?.Record(_time.GetElapsedTime(requested, entered).TotalSeconds);
        }
        catch
        {
            // A listener's exception must not leave the gate shut for every writer after this one.
            release.Dispose();
            throw;
        }
        return release;
    }

    private sealed class Release(WriteGate owner, long entered) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
                return;
            var held = owner._time.GetElapsedTime(entered);
            // Released before recording: a listener's exception must not leave the gate shut.
            owner._gate!.Release();
            owner._held?.Record(held.TotalSeconds);
        }
    }

    private sealed class NoGate : IDisposable
    {
        public static readonly NoGate Instance = new();
        public void Dispose() { }
    }
}

/// <summary>Applies migrations before anything else starts (so before Kestrel accepts a request).</summary>
internal sealed class MigrateOnStart(IServiceScopeFactory scopes, IOptions<StorageOptions> options, ILogger<MigrateOnStart> log) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStart)
            return;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var applied = await KangenStorage.MigrateAsync(db, cancellationToken);
        if (applied.Count > 0)
            log.LogInformation("Applied {Count} migration(s) on {Provider}: {Migrations}", applied.Count, db.Provider, string.Join(", ", applied));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Design-time factory for <c>dotnet ef migrations add --context SqliteKangenDbContext</c>.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteKangenDbContext>
{
    public SqliteKangenDbContext CreateDbContext(string[] args) =>
        (SqliteKangenDbContext)KangenStorage.CreateContext(StorageProvider.Sqlite, "Data Source=design-time.db");
}

/// <summary>Design-time factory for <c>dotnet ef migrations add --context PostgresKangenDbContext</c>.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresKangenDbContext>
{
    public PostgresKangenDbContext CreateDbContext(string[] args) =>
        (PostgresKangenDbContext)KangenStorage.CreateContext(StorageProvider.Postgres, "Host=127.0.0.1;Database=kangen_design_time");
}
