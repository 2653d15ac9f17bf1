using BenchmarkDotNet.Attributes;
using Kangen.SmartCard;

namespace Kangen.Benchmarks;

/// <summary>
/// The emulated card as a load generator sees it: how many signatures and certificate reads one core
/// gets from an in-memory card through the JPKI client (APDU encode, card dispatch, RSA-2048 private op).
/// </summary>
[MemoryDiagnoser]
public class SmartCardBenchmarks
{
    private string _directory = "";
    private EmulatedCard _card = null!;
    private InProcessTransport _transport = null!;
    private JpkiClient _client = null!;
    private byte[] _digestInfo = [];
    private byte[] _signApdu = [];

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("kangen-bench-card-").FullName;
        using var issuer = CardIssuer.Open(_directory);
        var issued = issuer.Issue(Path.Combine(_directory, "card.json"), new CardHolder("見本 太郎", new DateOnly(1990, 1, 1), CardHolderSex.NotStated, "東京都"), "1234", "ABC123");
        // In memory: the benchmark measures the card, not the disk.
        _card = EmulatedCard.FromBytes(File.ReadAllBytes(issued.CardFilePath));
        _transport = new InProcessTransport(_card);
        _client = new JpkiClient(_transport);
        _client.VerifyAuthPin("1234");
        _digestInfo = JpkiClient.CreateSha256DigestInfo("benchmark challenge"u8);
        _signApdu = new CommandApdu(0x80, 0x2A, 0x00, 0x97, _digestInfo, 256).Encode();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _transport.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>SELECT key EF + COMPUTE DIGITAL SIGNATURE through the client.</summary>
    [Benchmark]
    public byte[] SignThroughClient() => _client.SignWithAuthenticationKey(_digestInfo);

    /// <summary>The short-EF SIGN APDU straight into the card.</summary>
    [Benchmark]
    public byte[] SignRawApdu() => _card.Process(_signApdu);

    /// <summary>SELECT 000A, read 4 bytes, then the rest in 256-byte chunks.</summary>
    [Benchmark]
    public byte[] ReadAuthenticationCertificate() => _client.ReadAuthenticationCertificate();

    /// <summary>VERIFY with the right PIN (PBKDF2 of the salted hash) then SIGN, as one authentication does.</summary>
    [Benchmark]
    public byte[] VerifyPinAndSign()
    {
        _client.VerifyAuthPin("1234");
        return _client.SignWithAuthenticationKey(_digestInfo);
    }
}
