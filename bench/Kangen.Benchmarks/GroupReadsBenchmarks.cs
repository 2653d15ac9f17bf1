extern alias platform;

using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using platform::Kangen.Platform.Storage;

namespace Kangen.Benchmarks;

/// <summary>
/// The reads a group commit makes at its start (<see cref="GroupReads"/>), on the single writer's path: the persons
/// behind a group's serials, read four ways. EF Core 10 sends a list as one parameter per element by default
/// (<c>IN (@p1, @p2, ...)</c>, <see cref="ListParameters"/>); <c>EF.Parameter</c> sends it as one array parameter
/// (SQLite: <c>json_each</c>, <see cref="ArrayParameter"/>); a compiled query (<c>EF.CompileAsyncQuery</c>,
/// <see cref="CompiledQuery"/>, what the platform uses) skips the per-call work on the LINQ expression; and a statement of
/// our own, prepared once (<see cref="RawPrepared"/>), shows what SQLite itself costs. The database holds
/// <see cref="People"/> persons, each with one certificate; a group reads <see cref="Group"/> of them.
/// </summary>
[MemoryDiagnoser]
public class GroupReadsBenchmarks
{
    private const int People = 100_000;

    private static readonly Func<KangenDbContext, string[], IAsyncEnumerable<Link>> CompiledLinks =
        EF.CompileAsyncQuery((KangenDbContext db, string[] serials) => db.Certificates.AsNoTracking().Where(c => serials.Contains(c.Serial)).Select(c => new Link(c.Serial, c.PersonId)));

    private string _folder = "";
    private KangenDbContext _db = null!;
    private string[][] _groups = [];
    private int _next;
    // RawPrepared's statement, prepared on its first call and run again after.
    private SqliteCommand? _raw;

    /// <summary>Submissions in the group (a group commit takes up to 64; under load 13-16 is typical).</summary>
    [Params(16, 64)]
    public int Group { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("kangen-bench-reads-").FullName;
        _db = KangenStorage.CreateContext(StorageProvider.Sqlite, "Data Source=" + Path.Combine(_folder, "kangen.db"));
        KangenStorage.MigrateAsync(_db).GetAwaiter().GetResult();
        var serials = Fill(_db, People);
        // Open throughout, as the writer's connection is for its group's transaction.
        _db.Database.OpenConnection();
        // Groups drawn across the table, so that successive calls do not read the same pages only.
        var random = new Random(42);
        _groups = Enumerable.Range(0, 256).Select(_ => Enumerable.Range(0, Group).Select(_ => serials[random.Next(People)]).Distinct().ToArray()).ToArray();
        // All four answer the same: each serial's person.
        var group = _groups[0];
        var expected = string.Join(",", ListParameters(group).GetAwaiter().GetResult());
        if (expected.Split(',').Length != group.Length
            || string.Join(",", ArrayParameter(group).GetAwaiter().GetResult()) != expected
            || string.Join(",", Compiled(group).GetAwaiter().GetResult()) != expected
            || string.Join(",", RawPrepared(group)) != expected)
            throw new InvalidOperationException("The four ways of reading the links disagree.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw?.Dispose();
        _db.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public Task<List<Guid>> ListParameters() => ListParameters(NextGroup());

    [Benchmark]
    public Task<List<Guid>> ArrayParameter() => ArrayParameter(NextGroup());

    [Benchmark]
    public Task<List<Guid>> CompiledQuery() => Compiled(NextGroup());

    [Benchmark]
    public List<Guid> RawPrepared() => RawPrepared(NextGroup());

    private List<Guid> RawPrepared(string[] serials)
    {
        if (_raw is null)
        {
            _raw = ((SqliteConnection)_db.Database.GetDbConnection()).CreateCommand();
            _raw.CommandText = "SELECT serial, person_id FROM certificates WHERE serial IN (SELECT value FROM json_each($serials))";
            _raw.Parameters.Add("$serials", SqliteType.Text);
            _raw.Prepare();
        }
        _raw.Parameters[0].Value = System.Text.Json.JsonSerializer.Serialize(serials);
        var links = new List<Link>();
        using (var reader = _raw.ExecuteReader())
            while (reader.Read())
                links.Add(new Link(reader.GetString(0), reader.GetGuid(1)));
        return links.OrderBy(l => l.Serial, StringComparer.Ordinal).Select(l => l.PersonId).ToList();
    }

    private string[] NextGroup() => _groups[_next++ & 255];

    private async Task<List<Guid>> ListParameters(string[] serials) =>
        (await _db.Certificates.AsNoTracking().Where(c => serials.Contains(c.Serial)).Select(c => new Link(c.Serial, c.PersonId)).ToListAsync())
        .OrderBy(l => l.Serial, StringComparer.Ordinal).Select(l => l.PersonId).ToList();

    private async Task<List<Guid>> ArrayParameter(string[] serials) =>
        (await _db.Certificates.AsNoTracking().Where(c => EF.Parameter(serials).Contains(c.Serial)).Select(c => new Link(c.Serial, c.PersonId)).ToListAsync())
        .OrderBy(l => l.Serial, StringComparer.Ordinal).Select(l => l.PersonId).ToList();

    private async Task<List<Guid>> Compiled(string[] serials)
    {
        var links = new List<Link>();
        await foreach (var link in CompiledLinks(_db, serials))
            links.Add(link);
        return links.OrderBy(l => l.Serial, StringComparer.Ordinal).Select(l => l.PersonId).ToList();
    }

    /// <summary>A serial and its person, as the group reads them.</summary>
    public sealed record Link(string Serial, Guid PersonId);

    private static string[] Fill(KangenDbContext db, int count)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var person = connection.CreateCommand();
        person.CommandText = "INSERT INTO persons (id, my_key_id, regenerations_used, created_at, card_held_since) VALUES ($id, $key, 0, 0, 0)";
        using var link = connection.CreateCommand();
        link.CommandText = "INSERT INTO certificates (serial, person_id, linked_at, how) VALUES ($serial, $id, 0, 'first-login')";
        var serials = new string[count];
        var random = new Random(7);
        for (var i = 0; i < count; i++)
        {
            // As the platform stores them: upper-case GUID text, upper-case hex serials.
            var id = Guid.CreateVersion7().ToString().ToUpperInvariant();
            serials[i] = Convert.ToHexString(BitConverter.GetBytes(random.NextInt64())) + i.ToString("X8");
            person.Parameters.Clear();
            person.Parameters.AddWithValue("$id", id);
            person.Parameters.AddWithValue("$key", "K" + i.ToString("D7"));
            person.ExecuteNonQuery();
            link.Parameters.Clear();
            link.Parameters.AddWithValue("$serial", serials[i]);
            link.Parameters.AddWithValue("$id", id);
            link.ExecuteNonQuery();
        }
        transaction.Commit();
        connection.Close();
        return serials;
    }
}
