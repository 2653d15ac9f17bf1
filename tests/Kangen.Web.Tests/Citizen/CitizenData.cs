using Kangen.Platform.Storage;
using Kangen.SmartCard;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Web.Tests.Citizen;

/// <summary>What the citizen tests read back from the running platform's database and from the card files.</summary>
internal static class CitizenData
{
    /// <summary>The My Key ID of the person a card's certificate belongs to, or null when the card never logged in.</summary>
    public static async Task<string?> MyKeyIdOfAsync(WebFixture fixture, WebCard card)
    {
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        return await db.Certificates.AsNoTracking().Where(c => c.Serial == card.Serial)
            .Join(db.Persons.AsNoTracking(), c => c.PersonId, p => p.Id, (c, p) => p.MyKeyId)
            .SingleOrDefaultAsync();
    }

    /// <summary>The kinds of registration recorded for a card's person.</summary>
    public static async Task<IReadOnlyList<string>> RegistrationKindsOfAsync(WebFixture fixture, WebCard card)
    {
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var person = await db.Certificates.AsNoTracking().Where(c => c.Serial == card.Serial).Select(c => c.PersonId).SingleAsync();
        return await db.Registrations.AsNoTracking().Where(r => r.PersonId == person).Select(r => r.Kind).OrderBy(k => k).ToListAsync();
    }

    /// <summary>How many sessions were ever opened with a card's certificate.</summary>
    public static async Task<int> SessionsOfAsync(WebFixture fixture, WebCard card)
    {
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        return await db.Sessions.AsNoTracking().CountAsync(s => s.Serial == card.Serial);
    }

    /// <summary>The channels of the sessions opened with a card's certificate.</summary>
    public static async Task<IReadOnlyList<string>> SessionChannelsOfAsync(WebFixture fixture, WebCard card)
    {
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        return await db.Sessions.AsNoTracking().Where(s => s.Serial == card.Serial).Select(s => s.Channel).ToListAsync();
    }

    /// <summary>The card's user-authentication PIN tries left, read from the card file itself.</summary>
    public static int PinTriesLeft(WebCard card)
    {
        using var transport = new InProcessTransport(EmulatedCard.Load(card.FilePath));
        var client = new JpkiClient(transport);
        client.SelectJpkiAp();
        return client.GetAuthPinTriesLeft();
    }
}
