using System.Globalization;
using Kangen.Cli.Features.Card;
using Kangen.SmartCard;

namespace Kangen.Cli.Features.Bench;

/// <summary>A bench citizen's card, loaded into memory: its PIN and the card the client signs with.</summary>
internal sealed record BenchCard(int Index, string Pin, EmulatedCard Card)
{
    /// <summary>
    /// What a client does with the card to prove it is present (<see cref="CardCli.SignWithCard"/>): certificate,
    /// VERIFY, SIGN of the DigestInfo of <paramref name="data"/>. The card is in memory, so a signature writes no file.
    /// </summary>
    public (byte[] Certificate, byte[] Signature) Sign(ReadOnlySpan<byte> data)
    {
        using var transport = new InProcessTransport(Card);
        return CardCli.SignWithCard(new JpkiClient(transport), Pin, data);
    }
}

/// <summary>
/// The card cache of <c>kangen bench</c>: an emulated-card issuer and numbered cards in one folder, so a re-run reuses
/// the cards instead of generating two RSA-2048 key pairs per citizen again (a few thousand cards take minutes). The
/// platform of a run trusts this issuer (<c>Kangen:Trust:IssuerDirectory</c>).
/// </summary>
internal static class BenchCards
{
    public const string Pin = "1234";

    private const string SigningPassword = "BENCH2022";

    /// <summary>The issuer folder of the cache.</summary>
    public static string IssuerDirectory(string cache) => Path.Combine(cache, "issuer");

    /// <summary>The card file of citizen <paramref name="index"/>.</summary>
    public static string PathOf(string cache, int index) =>
        Path.Combine(cache, "cards", "citizen-" + index.ToString("D6", CultureInfo.InvariantCulture) + ".card");

    /// <summary>
    /// Cards 0 to <paramref name="count"/> - 1 from <paramref name="cache"/>, issuing the missing ones (counted on
    /// <paramref name="progress"/>); the issuer's CRLs are published afresh so a cache older than their week still verifies.
    /// </summary>
    public static IReadOnlyList<BenchCard> Ensure(string cache, int count, TimeProvider time, BenchCounter progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        using var issuer = CardIssuer.Open(cache, time);
        issuer.PublishCrls();
        Directory.CreateDirectory(Path.Combine(cache, "cards"));
        var cards = new List<BenchCard>(count);
        for (var i = 0; i < count; i++)
        {
            var path = PathOf(cache, i);
            if (!File.Exists(path))
                issuer.Issue(path, Holder(i), Pin, SigningPassword);
            cards.Add(new BenchCard(i, Pin, EmulatedCard.FromBytes(File.ReadAllBytes(path))));
            progress.Increment();
        }
        return cards;
    }

    // Adults of every birth-year digit (staggered windows go by it), so no application needs a legal representative.
    private static CardHolder Holder(int index) => new(
        "ベンチ 市民" + index.ToString(CultureInfo.InvariantCulture), new DateOnly(1960 + index % 40, 1 + index % 12, 1 + index % 28),
        index % 2 == 0 ? CardHolderSex.Female : CardHolderSex.Male, "東京都千代田区霞が関2-1-2");
}
