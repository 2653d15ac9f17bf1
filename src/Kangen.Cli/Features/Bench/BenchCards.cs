using System.Globalization;
using System.Security.Cryptography;
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
/// The card cache of <c>kangen bench</c>: an emulated-card issuer, a pool of key pairs and numbered cards in one folder,
/// so a re-run reuses the cards. New cards certify the pool's key pairs in turn instead of generating two RSA-2048 key
/// pairs each (about 0.2 s of CPU per card, hours for the tens of thousands of citizens a throughput run needs): every
/// card still has its own certificates, serials and holder, which is all the platform tells citizens apart by. The
/// platform of a run trusts this issuer (<c>Kangen:Trust:IssuerDirectory</c>).
/// </summary>
internal static class BenchCards
{
    public const string Pin = "1234";

    private const string SigningPassword = "BENCH2022";

    /// <summary>Key pairs in the pool: enough that a run's signatures are not all by one key, few enough to generate in seconds.</summary>
    public const int KeyPairs = 16;

    /// <summary>The issuer folder of the cache.</summary>
    public static string IssuerDirectory(string cache) => Path.Combine(cache, "issuer");

    /// <summary>The card file of citizen <paramref name="index"/>.</summary>
    public static string PathOf(string cache, int index) =>
        Path.Combine(cache, "cards", "citizen-" + index.ToString("D6", CultureInfo.InvariantCulture) + ".card");

    /// <summary>
    /// Cards <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 from <paramref name="cache"/>,
    /// issuing the missing ones (counted on <paramref name="progress"/>); the issuer's CRLs are published afresh so a cache
    /// older than their week still verifies. A run on a kept database starts after the cards earlier runs used there.
    /// </summary>
    public static IReadOnlyList<BenchCard> Ensure(string cache, int count, TimeProvider time, BenchCounter progress, int first = 0)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        using var issuer = CardIssuer.Open(cache, time);
        issuer.PublishCrls();
        Directory.CreateDirectory(Path.Combine(cache, "cards"));
        var cards = new BenchCard[count];
        var missing = Enumerable.Range(first, count).Where(i => !File.Exists(PathOf(cache, i))).ToList();
        if (missing.Count > 0)
        {
            var pool = KeyPool(cache);
            try
            {
                foreach (var i in missing)
                {
                    issuer.Issue(PathOf(cache, i), Holder(i), Pin, SigningPassword, keys: pool[i % pool.Count]);
                    progress.Increment();
                }
            }
            finally
            {
                foreach (var keys in pool)
                {
                    keys.Authentication.Dispose();
                    keys.Signing.Dispose();
                }
            }
        }
        // Reading a card imports its two keys: on every core, as tens of thousands of cards take a while on one.
        Parallel.For(0, count, i => cards[i] = new BenchCard(first + i, Pin, EmulatedCard.FromBytes(File.ReadAllBytes(PathOf(cache, first + i)))));
        for (var i = missing.Count; i < count; i++)
            progress.Increment();
        return cards;
    }

    /// <summary>The cache's key pairs (<c>keys/NN-authentication.pem</c> and <c>keys/NN-signing.pem</c>), generating those missing.</summary>
    private static List<CardKeys> KeyPool(string cache)
    {
        var folder = Path.Combine(cache, "keys");
        Directory.CreateDirectory(folder);
        RSA Key(int n, string slot)
        {
            var path = Path.Combine(folder, n.ToString("D2", CultureInfo.InvariantCulture) + "-" + slot + ".pem");
            var key = RSA.Create(2048);
            if (File.Exists(path))
                key.ImportFromPem(File.ReadAllText(path));
            else
            {
                // Written whole then renamed: an interrupted run leaves no half-written key behind.
                File.WriteAllText(path + ".tmp", key.ExportPkcs8PrivateKeyPem());
                File.Move(path + ".tmp", path, overwrite: true);
            }
            return key;
        }
        return [.. Enumerable.Range(0, KeyPairs).Select(n => new CardKeys(Key(n, "authentication"), Key(n, "signing")))];
    }

    // Adults of every birth-year digit (staggered windows go by it), so no application needs a legal representative.
    private static CardHolder Holder(int index) => new(
        "ベンチ 市民" + index.ToString(CultureInfo.InvariantCulture), new DateOnly(1960 + index % 40, 1 + index % 12, 1 + index % 28),
        index % 2 == 0 ? CardHolderSex.Female : CardHolderSex.Male, "東京都千代田区霞が関2-1-2");
}
