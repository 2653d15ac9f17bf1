using Kangen.SmartCard;

namespace Kangen.Platform.Tests.Platform;

/// <summary>An emulated card file used the way a client uses a real card: read the certificate, VERIFY, SIGN.</summary>
public sealed class TestCard(string path, string pin, string serial, string? signingPassword = null)
{
    public string Path { get; } = path;
    public string Pin { get; } = pin;

    /// <summary>The signing password (null when the test does not know it).</summary>
    public string? SigningPassword { get; } = signingPassword;

    /// <summary>The authentication serial at issue (a renewal changes the card's, not this).</summary>
    public string Serial { get; } = serial;

    /// <summary>EF 000A as the card reads it now.</summary>
    public byte[] Certificate()
    {
        using var transport = new InProcessTransport(EmulatedCard.Load(Path));
        return new JpkiClient(transport).ReadAuthenticationCertificate();
    }

    /// <summary>The card's signature over <paramref name="message"/>: SIGN of the SHA-256 DigestInfo, after the PIN.</summary>
    public byte[] Sign(byte[] message)
    {
        using var transport = new InProcessTransport(EmulatedCard.Load(Path));
        var client = new JpkiClient(transport);
        client.VerifyAuthPin(Pin);
        return client.SignWithAuthenticationKey(JpkiClient.CreateSha256DigestInfo(message));
    }

    /// <summary>The signing certificate (EF 0001), which the card releases only after the signing password.</summary>
    public byte[] SigningCertificate()
    {
        using var transport = new InProcessTransport(EmulatedCard.Load(Path));
        return new JpkiClient(transport).ReadSigningCertificate(RequireSigningPassword());
    }

    /// <summary>The signing key's signature over <paramref name="message"/> (SHA-256 DigestInfo), after the signing password.</summary>
    public byte[] SignWithSigningKey(byte[] message)
    {
        using var transport = new InProcessTransport(EmulatedCard.Load(Path));
        var client = new JpkiClient(transport);
        client.VerifySigningPassword(RequireSigningPassword());
        return client.SignWithSigningKey(JpkiClient.CreateSha256DigestInfo(message));
    }

    private string RequireSigningPassword() =>
        SigningPassword ?? throw new InvalidOperationException("This card was made without a known signing password.");
}
