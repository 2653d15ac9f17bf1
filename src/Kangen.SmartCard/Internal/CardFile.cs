using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kangen.SmartCard.Internal;

/// <summary>One key of the card with its certificate, CA certificate and the secret that guards it.</summary>
internal sealed class KeySlot(byte[] certificate, byte[] caCertificate, byte[] privateKeyPkcs8, RSA key, StoredSecret secret)
{
    public byte[] Certificate { get; } = certificate;
    public byte[] CaCertificate { get; } = caCertificate;
    public byte[] PrivateKeyPkcs8 { get; } = privateKeyPkcs8;
    public RSA Key { get; } = key;
    public StoredSecret Secret { get; set; } = secret;
}

/// <summary>The whole persistent state of an emulated card.</summary>
internal sealed class CardImage(string cardId, string tokenInfo, KeySlot authentication, KeySlot signing)
{
    public string CardId { get; } = cardId;
    public string TokenInfo { get; } = tokenInfo;
    public KeySlot Authentication { get; } = authentication;
    public KeySlot Signing { get; } = signing;
}

/// <summary>Reads and writes the versioned JSON card file (format documented in docs/smartcard.md).</summary>
internal static class CardFile
{
    public const string Format = "kangen.emulated-jpki-card";
    public const int Version = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static CardImage Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"The card file '{path}' does not exist.", path);
        }
        return Parse(bytes, path);
    }

    public static CardImage Parse(ReadOnlySpan<byte> content, string source)
    {
        CardDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<CardDocument>(content, Json);
        }
        catch (JsonException e)
        {
            throw Invalid(source, $"it is not valid JSON ({e.Message})", e);
        }
        if (document is null)
            throw Invalid(source, "it is empty");
        if (document.Format != Format)
            throw Invalid(source, $"the format is '{document.Format}', expected '{Format}'");
        if (document.Version != Version)
            throw Invalid(source, $"version {document.Version} is not supported (this build reads version {Version})");
        if (string.IsNullOrWhiteSpace(document.CardId))
            throw Invalid(source, "the card id is missing");
        if (document.TokenInfo is not { Length: > 0 and <= 32 } token || !token.All(char.IsAscii))
            throw Invalid(source, "the token info must be 1-32 ASCII characters");
        return new CardImage(
            document.CardId,
            token,
            ToSlot(document.Authentication, "authentication", PinRules.AuthenticationPinMaxTries, source),
            ToSlot(document.Signing, "signing", PinRules.SigningPasswordMaxTries, source));
    }

    public static byte[] Serialize(CardImage image) =>
        JsonSerializer.SerializeToUtf8Bytes(new CardDocument
        {
            Format = Format,
            Version = Version,
            CardId = image.CardId,
            TokenInfo = image.TokenInfo,
            Authentication = ToDocument(image.Authentication),
            Signing = ToDocument(image.Signing),
        }, Json);

    public static void Write(string path, CardImage image) => AtomicFile.Write(path, Serialize(image), UnixFileMode.UserRead | UnixFileMode.UserWrite);

    private static KeySlot ToSlot(KeyDocument? key, string name, int maxTries, string source)
    {
        if (key is null)
            throw Invalid(source, $"the {name} key is missing");
        if (key.Certificate is not { Length: > 4 } certificate || key.CaCertificate is not { Length: > 4 } caCertificate || key.PrivateKey is not { Length: > 0 } pkcs8)
            throw Invalid(source, $"the {name} certificate, CA certificate or private key is missing");
        if (certificate.Length > 0x7FFF || caCertificate.Length > 0x7FFF)
            throw Invalid(source, $"a {name} certificate is larger than an EF can hold");
        var secret = key.Secret;
        if (secret is null || secret.Algorithm != StoredSecret.Algorithm || secret.Salt is not { Length: > 0 } || secret.Hash is not { Length: 32 }
            || secret.Iterations is < 1 or > 10_000_000 || secret.MaxTries != maxTries || secret.TriesLeft < 0 || secret.TriesLeft > secret.MaxTries)
            throw Invalid(source, $"the {name} secret is missing or malformed (algorithm {StoredSecret.Algorithm}, 32-byte hash, {maxTries} tries at most)");
        var rsa = RSA.Create();
        var usable = false;
        try
        {
            rsa.ImportPkcs8PrivateKey(pkcs8, out var read);
            if (read != pkcs8.Length)
                throw Invalid(source, $"the {name} private key has trailing bytes");
            if (rsa.KeySize != 2048)
                throw Invalid(source, $"the {name} key is RSA-{rsa.KeySize}, the card holds RSA-2048");
            using var cert = X509CertificateLoader.LoadCertificate(certificate);
            X509CertificateLoader.LoadCertificate(caCertificate).Dispose();
            using var publicKey = cert.GetRSAPublicKey() ?? throw Invalid(source, $"the {name} certificate has no RSA key");
            if (!publicKey.ExportParameters(false).Modulus.AsSpan().SequenceEqual(rsa.ExportParameters(false).Modulus))
                throw Invalid(source, $"the {name} private key does not match its certificate");
            usable = true;
        }
        catch (CryptographicException e)
        {
            throw Invalid(source, $"the {name} key or a certificate cannot be decoded ({e.Message})", e);
        }
        finally
        {
            if (!usable)
                rsa.Dispose();
        }
        return new KeySlot(certificate, caCertificate, pkcs8, rsa,
            new StoredSecret(secret.MaxTries, secret.TriesLeft, secret.Salt, secret.Hash, secret.Iterations));
    }

    private static KeyDocument ToDocument(KeySlot slot) => new()
    {
        Certificate = slot.Certificate,
        CaCertificate = slot.CaCertificate,
        PrivateKey = slot.PrivateKeyPkcs8,
        Secret = new SecretDocument
        {
            Algorithm = StoredSecret.Algorithm,
            Iterations = slot.Secret.Iterations,
            Salt = slot.Secret.Salt,
            Hash = slot.Secret.Hash,
            MaxTries = slot.Secret.MaxTries,
            TriesLeft = slot.Secret.TriesLeft,
        },
    };

    private static InvalidDataException Invalid(string source, string why, Exception? inner = null) =>
        new($"'{source}' is not a usable Kangen card file: {why}.", inner);

    public static byte[] PadTokenInfo(string token)
    {
        var bytes = new byte[32];
        bytes.AsSpan().Fill((byte)' ');
        Encoding.ASCII.GetBytes(token, bytes);
        return bytes;
    }

    private sealed class CardDocument
    {
        public string? Format { get; set; }
        public int Version { get; set; }
        public string? CardId { get; set; }
        public string? TokenInfo { get; set; }
        public KeyDocument? Authentication { get; set; }
        public KeyDocument? Signing { get; set; }
    }

    private sealed class KeyDocument
    {
        public byte[]? Certificate { get; set; }
        public byte[]? CaCertificate { get; set; }
        public byte[]? PrivateKey { get; set; }
        public SecretDocument? Secret { get; set; }
    }

    private sealed class SecretDocument
    {
        public string? Algorithm { get; set; }
        public int Iterations { get; set; }
        public byte[]? Salt { get; set; }
        public byte[]? Hash { get; set; }
        public int MaxTries { get; set; }
        public int TriesLeft { get; set; }
    }
}
