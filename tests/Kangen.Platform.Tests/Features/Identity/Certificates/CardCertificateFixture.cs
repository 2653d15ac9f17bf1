using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kangen.SmartCard;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Features.Identity.Certificates;

/// <summary>
/// Two emulated issuers in temp folders, with cards issued once for all certificate tests: issuing a card
/// makes two RSA-2048 keys, too slow to repeat per test.
/// </summary>
public sealed class CardCertificateFixture : IDisposable
{
    public const string Pin = "1234";
    public const string SigningPassword = "ABC123";
    public static readonly DateTimeOffset CaCreated = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Cards are issued a month after the CAs, so "before a card's validity" is still within the CA's.</summary>
    public static readonly DateTimeOffset CardsIssued = CaCreated.AddDays(30);

    private readonly string _root;

    public CardCertificateFixture()
    {
        _root = Path.Combine(Path.GetTempPath(), "kangen-cert-tests-" + Guid.NewGuid().ToString("N"));
        IssuerTime = new FakeTimeProvider(CaCreated);
        Issuer = CardIssuer.Open(Path.Combine(_root, "issuer-a"), IssuerTime);
        OtherIssuer = CardIssuer.Open(Path.Combine(_root, "issuer-b"), IssuerTime);
        IssuerTime.SetUtcNow(CardsIssued);

        var cards = new List<IssuedCard>();
        for (var i = 0; i < 16; i++)
            cards.Add(IssueCard(Issuer, $"card-{i}"));
        Cards = cards;
        OtherCard = IssueCard(OtherIssuer, "other");
        // The CRLs published when the CAs were made would be stale a month later.
        Issuer.PublishCrls();
        OtherIssuer.PublishCrls();
    }

    public FakeTimeProvider IssuerTime { get; }

    public CardIssuer Issuer { get; }

    public CardIssuer OtherIssuer { get; }

    /// <summary>
    /// Cards of <see cref="Issuer"/>. Fixed roles so tests that change issuer state never touch each
    /// other's cards: 0 and 1 plain, 2 revoked by its test, 3 renewed by its test, 4.. for the differential test.
    /// </summary>
    public IReadOnlyList<IssuedCard> Cards { get; }

    public IssuedCard Good => Cards[0];

    public IssuedCard Second => Cards[1];

    public IssuedCard ToRevoke => Cards[2];

    public IssuedCard ToRenew => Cards[3];

    public IEnumerable<IssuedCard> Differential => Cards.Skip(4);

    public IssuedCard OtherCard { get; }

    /// <summary>A moment when every issued certificate is valid.</summary>
    public static DateTimeOffset Now => CardsIssued.AddHours(1);

    public string IssuerDirectory => Issuer.IssuerDirectory;

    /// <summary>The user-authentication CA's private key, for tests that sign their own CRLs.</summary>
    public RSA LoadAuthenticationCaKey()
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(Path.Combine(IssuerDirectory, "private", "auth-ca.key")));
        return rsa;
    }

    public X509Certificate2 AuthenticationCaWithKey()
    {
        using var key = LoadAuthenticationCaKey();
        using var ca = Issuer.AuthenticationCaCertificate;
        return ca.CopyWithPrivateKey(key);
    }

    /// <summary>EF 000A read through the JPKI client.</summary>
    public static byte[] ReadCertificate(IssuedCard card)
    {
        using var transport = new InProcessTransport(EmulatedCard.Load(card.CardFilePath));
        return new JpkiClient(transport).ReadAuthenticationCertificate();
    }

    /// <summary>EF 0001, readable only with the signing password.</summary>
    public static byte[] ReadSigningCertificate(IssuedCard card)
    {
        using var transport = new InProcessTransport(EmulatedCard.Load(card.CardFilePath));
        return new JpkiClient(transport).ReadSigningCertificate(SigningPassword);
    }

    /// <summary>What a client does for a challenge: VERIFY the PIN, SIGN the DigestInfo of SHA-256(data).</summary>
    public static byte[] Sign(IssuedCard card, byte[] data)
    {
        using var transport = new InProcessTransport(EmulatedCard.Load(card.CardFilePath));
        var client = new JpkiClient(transport);
        client.VerifyAuthPin(Pin);
        return client.SignWithAuthenticationKey(JpkiClient.CreateSha256DigestInfo(data));
    }

    public static FakeTimeProvider ClockAt(DateTimeOffset now) => new(now);

    private IssuedCard IssueCard(CardIssuer issuer, string name) =>
        issuer.Issue(Path.Combine(_root, name + ".card.json"),
            new CardHolder("見本 太郎", new DateOnly(1990, 6, 15), CardHolderSex.Male, "東京都千代田区"),
            Pin, SigningPassword);

    public void Dispose()
    {
        Issuer.Dispose();
        OtherIssuer.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CardCertificateCollection : ICollectionFixture<CardCertificateFixture>
{
    public const string Name = "Card certificates";
}
