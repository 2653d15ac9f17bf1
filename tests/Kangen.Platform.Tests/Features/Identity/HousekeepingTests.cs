using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Tests.Features.Identity;

public class HousekeepingTests
{
    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task Expired_challenge_nonces_and_old_sessions_are_pruned_and_the_pruning_is_audited(StorageProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.NewContext();
        await KangenStorage.MigrateAsync(db);
        var now = PlatformFixture.Start;
        var person = new Person { Id = Guid.NewGuid(), MyKeyId = "ABCDEFGH", CreatedAt = now.AddDays(-3) };
        db.Persons.Add(person);
        db.ConsumedChallenges.AddRange(
            new ConsumedChallenge { Nonce = "old", Purpose = "session", ConsumedAt = now.AddMinutes(-10), ExpiresAt = now.AddMinutes(-8) },
            new ConsumedChallenge { Nonce = "live", Purpose = "session", ConsumedAt = now, ExpiresAt = now.AddMinutes(2) });
        db.Sessions.AddRange(
            new Session { TokenHash = new string('a', 64), PersonId = person.Id, Serial = "01", CreatedAt = now.AddDays(-2), ExpiresAt = now.AddDays(-2).AddMinutes(15) },
            new Session { TokenHash = new string('b', 64), PersonId = person.Id, Serial = "01", CreatedAt = now, ExpiresAt = now.AddMinutes(15) });
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        var (challenges, sessions) = await Housekeeping.PruneAsync(db, new WriteGate(provider), now, default);

        Assert.Equal((1, 1), (challenges, sessions));
        Assert.Equal(["live"], await db.ConsumedChallenges.Select(c => c.Nonce).ToListAsync());
        Assert.Equal([new string('b', 64)], await db.Sessions.Select(s => s.TokenHash).ToListAsync());
        var entry = await db.AuditLog.SingleAsync();
        Assert.Equal("housekeeping.pruned", entry.Action);
        Assert.Equal("system", entry.Actor);
        Assert.True((await AuditVerifier.VerifyAsync(db)).IsIntact);

        Assert.Equal((0, 0), await Housekeeping.PruneAsync(db, new WriteGate(provider), now, default));
        Assert.Equal(1, await db.AuditLog.CountAsync());
    }
}
