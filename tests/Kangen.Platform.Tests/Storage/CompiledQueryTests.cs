using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Tests.Storage;

/// <summary>
/// <see cref="CompiledQuery{TQuery}"/>: EF compiles a query for the model of the first context that runs it and refuses a
/// context of any other model instance, and the two providers have a model each, so each must run a compilation of its
/// own, whichever ran first.
/// </summary>
public class CompiledQueryTests
{
    [Fact]
    public async Task One_compiled_query_answers_on_SQLite_and_on_PostgreSQL_in_turn_in_one_process()
    {
        // A compilation of this test's own, so that what ran it first is this test's doing.
        var persons = new CompiledQuery<Func<KangenDbContext, Guid[], IAsyncEnumerable<Person>>>(() =>
            EF.CompileAsyncQuery((KangenDbContext db, Guid[] ids) => db.Persons.AsNoTracking().Where(p => ids.Contains(p.Id))));
        await using var sqlite = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var postgres = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        var someone = new Dictionary<StorageProvider, Guid>();
        foreach (var database in new[] { sqlite, postgres })
        {
            await using var db = database.NewContext();
            await KangenStorage.MigrateAsync(db);
            var person = new Person { Id = Guid.CreateVersion7(), MyKeyId = database.Provider == StorageProvider.Sqlite ? "SQLITE01" : "POSTGRE1", CreatedAt = DateTimeOffset.UnixEpoch };
            db.Persons.Add(person);
            await db.SaveChangesAsync();
            someone[database.Provider] = person.Id;
        }

        // Each database answers with its own person only, in either order, and again.
        foreach (var database in new[] { sqlite, postgres, sqlite, postgres })
        {
            await using var db = database.NewContext();
            var found = new List<string>();
            await foreach (var person in persons.For(db)(db, [someone[StorageProvider.Sqlite], someone[StorageProvider.Postgres]]))
                found.Add(person.MyKeyId);
            Assert.Equal([database.Provider == StorageProvider.Sqlite ? "SQLITE01" : "POSTGRE1"], found);
        }
    }
}
