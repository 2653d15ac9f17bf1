using System.Security.Cryptography;
using System.Text;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Operators;

/// <summary>
/// The platform's own P-256 signing key: it signs the platform's calls to operators' verification endpoints, and
/// operators check those calls with its public half (<c>GET /api/v1/operator/platform-key</c>). Read from
/// <c>Kangen:Operators:SigningKeyFile</c>, else <c>&lt;data&gt;/platform/signing-key.pem</c>, which is created on
/// first start (mode 0600). Replicas must share the file, or an operator that pinned one replica's key refuses
/// the others' calls.
/// </summary>
public sealed class PlatformSigningKey : IDisposable
{
    /// <summary>The configuration key of the key file.</summary>
    public const string FileKey = "Kangen:Operators:SigningKeyFile";

    private PlatformSigningKey(ECDsa key, string path)
    {
        Key = key;
        Path = path;
        KeyId = SigningKeys.KeyId(key);
        PublicPem = SigningKeys.PublicPem(key);
    }

    /// <summary>The key pair.</summary>
    public ECDsa Key { get; }

    /// <summary>Its id (<see cref="SigningKeys.KeyId"/>), sent in <c>Kangen-Key-Id</c>.</summary>
    public string KeyId { get; }

    /// <summary>The public key, PEM.</summary>
    public string PublicPem { get; }

    /// <summary>The file it was read from.</summary>
    public string Path { get; }

    /// <summary><c>&lt;data&gt;/platform/signing-key.pem</c>.</summary>
    public static string DefaultPath(string dataDirectory) => System.IO.Path.Combine(dataDirectory, "platform", "signing-key.pem");

    /// <summary>
    /// Reads the key file, or creates it (mode 0600) when the default file does not exist. A configured file must
    /// exist: replicas share it, so a missing one is a deployment mistake rather than a reason to make a new key.
    /// </summary>
    /// <exception cref="InvalidOperationException">The configured file is missing or holds no P-256 private key.</exception>
    public static PlatformSigningKey Load(string? configuredPath, string dataDirectory)
    {
        var path = string.IsNullOrWhiteSpace(configuredPath) ? DefaultPath(dataDirectory) : System.IO.Path.GetFullPath(configuredPath);
        if (File.Exists(path))
            return Read(path);
        if (!string.IsNullOrWhiteSpace(configuredPath))
            throw new InvalidOperationException($"{FileKey} names '{configuredPath}', which does not exist.");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var fresh = SigningKeys.Create();
        try
        {
            SigningKeys.WritePrivatePem(fresh, path, overwrite: false);
            return new PlatformSigningKey(fresh, path);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process (a second platform on the same folder) created it first: everyone uses that one.
            fresh.Dispose();
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return Read(path);
                }
                catch (InvalidOperationException) when (attempt < 20)
                {
                    Thread.Sleep(50); // still being written
                }
            }
        }
    }

    private static PlatformSigningKey Read(string path)
    {
        try
        {
            return new PlatformSigningKey(SigningKeys.ReadPrivate(File.ReadAllText(path)), path);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"{path} does not hold a P-256 private key in PEM: {e.Message}");
        }
    }

    /// <inheritdoc />
    public void Dispose() => Key.Dispose();
}
