using System.Text;

namespace Kangen.SmartCard.Tests;

/// <summary>
/// A fixed-seed stream of JPKI commands, valid and mutated (bad CLA/INS/P1/P2, Lc that lies about the data, missing or
/// odd Le, truncated, extended length, oversized data, SIGN before VERIFY, VERIFY of every length), sent to one card
/// whose state carries over from command to command, checked after every answer against a small model of the card:
/// the answer is a well-formed status word, an error carries no data, nothing is signed without a verified secret, and
/// the tries counters move only on a VERIFY (or CHANGE REFERENCE DATA) with data, down only on a wrong one, and a VERIFY
/// with a wrong secret never succeeds.
/// </summary>
[Collection(IssuerCollection.Name)]
public class ApduFuzzTests(IssuerFixture fixture)
{
    private static readonly byte[] JpkiAid = Convert.FromHexString("D392F000260100000001");
    private static readonly ushort[] Files = [0x0001, 0x0002, 0x0006, 0x000A, 0x000B, 0x0016, 0x0017, 0x0018, 0x001A, 0x001B, 0x3F00, 0xFFFF];
    private static readonly byte[] Classes = [0x00, 0x80, 0x0C, 0x8C, 0x10, 0xFF];
    private static readonly byte[] Instructions = [0xA4, 0xB0, 0x20, 0x24, 0x2A, 0x88, 0xCA, 0xC0, 0x00, 0xFF];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_stream_of_valid_and_mutated_commands_keeps_the_card_consistent(int seed)
    {
        var card = EmulatedCard.Load(fixture.CopyOfTemplate());
        var random = new Random(seed);
        var verified = false;
        var signatures = 0;
        var wrongTries = 0;
        for (var i = 0; i < 4000; i++)
        {
            if (random.Next(100) == 0)
            {
                card.Reset();
                verified = false;
                continue;
            }
            foreach (var command in random.Next(25) == 0 ? Flow(random) : [Next(random)])
                Check(command);
        }
        // The stream did reach the interesting states: signatures after a VERIFY, and some wrong tries.
        Assert.True(signatures > 0, "no command was signed: the stream never reached SIGN after VERIFY");
        Assert.True(wrongTries > 0, "no wrong PIN was ever counted");

        void Check(byte[] command)
        {
            var (pinBefore, passwordBefore) = (card.AuthPinTriesLeft, card.SigningPasswordTriesLeft);

            var response = card.Process(command);

            var what = $"seed {seed}: {Convert.ToHexString(command)}";
            Assert.True(response.Length >= 2, $"{what}: answer without a status word");
            var sw = (ushort)(response[^2] << 8 | response[^1]);
            Assert.True(IsWellFormed(sw), $"{what}: status word {sw:X4}");
            if (sw >> 8 is >= 0x64 and <= 0x6F)
                Assert.True(response.Length == 2, $"{what}: error {sw:X4} with {response.Length - 2} bytes of data");
            var ins = command.Length > 1 ? command[1] : -1;
            // Short (Lc in byte 4) or extended (00, then Lc in bytes 5-6) length with data.
            var withData = command.Length > 5 && (command[4] > 0 || (command.Length > 7 && (command[5] | command[6]) != 0));
            // A well-formed short VERIFY whose data is neither secret never succeeds (a card accepting any PIN would
            // otherwise pass: "verified" is learnt from the card's own answers).
            if (ins == 0x20 && command.Length > 5 && command.Length - 5 is var rest && (rest == command[4] || rest == command[4] + 1) && command[4] > 0)
            {
                var secret = Encoding.ASCII.GetString(command, 5, command[4]);
                if (secret != IssuerFixture.Pin && secret != IssuerFixture.SigningPassword)
                    Assert.True(sw != StatusWords.Success, $"{what}: a VERIFY with a wrong secret succeeded");
            }
            if ((ins == 0x20 || ins == 0x24) && withData && sw == StatusWords.Success)
                verified = true;
            if (ins == 0xA4 && command.Length > 2 && command[2] == 0x04 && sw == StatusWords.Success)
                verified = false;
            if (ins == 0x2A && sw == StatusWords.Success)
            {
                Assert.True(verified, $"{what}: signed without a verified PIN or password since the application was selected");
                signatures++;
            }
            foreach (var (before, after) in new[] { (pinBefore, card.AuthPinTriesLeft), (passwordBefore, card.SigningPasswordTriesLeft) })
            {
                if (before == after)
                    continue;
                Assert.True((ins == 0x20 || ins == 0x24) && withData, $"{what}: a tries counter moved {before} -> {after} without a VERIFY");
                if (after < before)
                {
                    Assert.True(StatusWords.IsVerificationFailed(sw) || sw == StatusWords.AuthenticationMethodBlocked, $"{what}: tries used with {sw:X4}");
                    Assert.Equal(before - 1, after);
                    wrongTries++;
                }
                else
                    Assert.Equal(StatusWords.Success, sw);
            }
        }
    }

    /// <summary>The whole signing flow of a client, so the stream reaches a verified state and SIGN now and then.</summary>
    private static byte[][] Flow(Random random) =>
    [
        Short(0x00, 0xA4, 0x04, 0x0C, JpkiAid, null),
        Short(0x00, 0xA4, 0x02, 0x0C, BigEndian(0x0018), null),
        Short(0x00, 0x20, 0x00, 0x80, Encoding.ASCII.GetBytes(IssuerFixture.Pin), null),
        Short(0x00, 0xA4, 0x02, 0x0C, BigEndian(0x0017), null),
        Short(0x80, 0x2A, 0x00, 0x80, JpkiClient.CreateSha256DigestInfo(BitConverter.GetBytes(random.Next())), 256),
    ];

    /// <summary>One command: a valid step of the JPKI flow or a mutation of one.</summary>
    private static byte[] Next(Random random)
    {
        var digestInfo = JpkiClient.CreateSha256DigestInfo(BitConverter.GetBytes(random.Next()));
        var valid = random.Next(9) switch
        {
            0 => Short(0x00, 0xA4, 0x04, 0x0C, JpkiAid, null),
            1 or 2 => Short(0x00, 0xA4, 0x02, 0x0C, BigEndian(Files[random.Next(Files.Length)]), null),
            // Mostly the right PIN or password, so the counters do not simply block at once.
            3 => Short(0x00, 0x20, 0x00, 0x80, Encoding.ASCII.GetBytes(random.Next(4) switch
            {
                0 => "9999",
                1 => IssuerFixture.SigningPassword,
                _ => IssuerFixture.Pin,
            }), null),
            4 => Short(0x00, 0x20, 0x00, 0x80, [], null),
            5 or 6 => Short(0x80, 0x2A, 0x00, 0x80, digestInfo, 256),
            7 => Short(0x00, 0xB0, (byte)random.Next(0, 3), (byte)random.Next(256), [], random.Next(1, 257)),
            _ => Short(0x00, 0xB0, (byte)(0x80 | random.Next(0x20)), 0x00, [], 4),
        };
        if (random.Next(2) == 0)
            return valid;
        var mutated = (byte[])valid.Clone();
        switch (random.Next(10))
        {
            case 0:
                mutated[0] = Classes[random.Next(Classes.Length)];
                return mutated;
            case 1:
                mutated[1] = Instructions[random.Next(Instructions.Length)];
                return mutated;
            case 2:
                mutated[2] = (byte)random.Next(256);
                mutated[3] = (byte)random.Next(256);
                return mutated;
            case 3:
                // Lc that lies about the data.
                if (mutated.Length > 4)
                    mutated[4] = (byte)random.Next(256);
                return mutated;
            case 4:
                return mutated[..random.Next(0, mutated.Length)];
            case 5:
                // Extended length: 00 Lc(2) data Le(2), sometimes with the lengths lying.
                var data = RandomBytes(random, random.Next(0, 600));
                var lc = random.Next(3) == 0 ? random.Next(0x10000) : data.Length;
                return [mutated[0], mutated[1], mutated[2], mutated[3], 0x00, (byte)(lc >> 8), (byte)lc, .. data, (byte)random.Next(256), (byte)random.Next(256)];
            case 6:
                return Short(mutated[0], mutated[1], mutated[2], mutated[3], RandomBytes(random, 255), random.Next(2) == 0 ? null : random.Next(1, 257));
            case 7:
                // VERIFY of every length, including none and over the PIN's.
                return Short(0x00, 0x20, 0x00, 0x80, Encoding.ASCII.GetBytes(IssuerFixture.Pin + new string('4', random.Next(0, 20)))[..random.Next(0, 5)], null);
            case 8:
                return [.. mutated, .. RandomBytes(random, random.Next(1, 4))];
            default:
                return RandomBytes(random, random.Next(0, 12));
        }
    }

    private static byte[] Short(byte cla, byte ins, byte p1, byte p2, byte[] data, int? le)
    {
        var apdu = new List<byte> { cla, ins, p1, p2 };
        if (data.Length > 0)
        {
            apdu.Add((byte)data.Length);
            apdu.AddRange(data);
        }
        if (le is { } expected)
            apdu.Add((byte)(expected == 256 ? 0 : expected));
        return [.. apdu];
    }

    private static byte[] BigEndian(ushort value) => [(byte)(value >> 8), (byte)value];

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>ISO/IEC 7816-4: 9000, or SW1 61-6F (processing warnings, execution and checking errors).</summary>
    private static bool IsWellFormed(ushort sw) => sw == StatusWords.Success || sw >> 8 is >= 0x61 and <= 0x6F;
}
