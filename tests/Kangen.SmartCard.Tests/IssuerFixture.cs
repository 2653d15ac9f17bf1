using Microsoft.Extensions.Time.Testing;

namespace Kangen.SmartCard.Tests;

/// <summary>
/// One issuer and one issued card shared by the whole suite: RSA key generation is the slow part,
/// so tests take private copies of the card file instead of issuing their own.
/// Tests that revoke or renew issue a card of their own, because copies share the template's serials.
/// </summary>
public sealed class IssuerFixture : IDisposable
{
    public const string Pin = "1234";
    public const string SigningPassword = "ABC123";
    public static readonly DateOnly BirthDate = new(1990, 6, 15);
    public static readonly DateTimeOffset Start = new(2026, 4, 1, 3, 0, 0, TimeSpan.Zero);

    public IssuerFixture()
    {
        Root = Directory.CreateTempSubdirectory("kangen-smartcard-tests-").FullName;
        Time = new FakeTimeProvider(Start);
        Issuer = CardIssuer.Open(Path.Combine(Root, "data"), Time);
        TemplatePath = Path.Combine(Root, "template.card.json");
        Template = Issuer.Issue(TemplatePath, Holder, Pin, SigningPassword);
        TemplateBytes = File.ReadAllBytes(TemplatePath);
    }

    public static CardHolder Holder { get; } = new("見本 太郎", BirthDate, CardHolderSex.Male, "東京都千代田区霞が関2-1-2");

    public string Root { get; }
    public FakeTimeProvider Time { get; }
    public CardIssuer Issuer { get; }
    public string TemplatePath { get; }
    public IssuedCard Template { get; }
    public byte[] TemplateBytes { get; }

    /// <summary>A private directory for one test.</summary>
    public string NewDirectory() => Directory.CreateDirectory(Path.Combine(Root, Guid.NewGuid().ToString("N"))).FullName;

    /// <summary>A private copy of the template card file.</summary>
    public string CopyOfTemplate()
    {
        var path = Path.Combine(NewDirectory(), "card.json");
        File.WriteAllBytes(path, TemplateBytes);
        return path;
    }

    /// <summary>A card of its own (own keys and serials) from the shared issuer.</summary>
    public IssuedCard IssueFreshCard(string? pin = null)
    {
        var path = Path.Combine(NewDirectory(), "card.json");
        return Issuer.Issue(path, Holder, pin ?? Pin, SigningPassword);
    }

    public void Dispose()
    {
        Issuer.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class IssuerCollection : ICollectionFixture<IssuerFixture>
{
    public const string Name = "issuer";
}
