namespace Kangen.Platform.Features.Identity.Challenges;

/// <summary>
/// The HMAC key of challenges: <c>Kangen:Challenges:Key</c> (base64, at least 32 bytes; give every replica
/// the same one), else <c>&lt;data&gt;/platform/challenge.key</c>, created with random bytes on first run.
/// </summary>
public static class ChallengeKey
{
    /// <summary>Reads or creates the key.</summary>
    public static byte[] Load(string? configuredBase64, string dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configuredBase64))
        {
            var key = Convert.FromBase64String(configuredBase64.Trim());
            return key.Length >= 32 ? key : throw new InvalidOperationException("Kangen:Challenges:Key must decode to at least 32 bytes.");
        }
        var dir = Path.Combine(dataDirectory, "platform");
        var path = Path.Combine(dir, "challenge.key");
        if (File.Exists(path))
            return ReadKeyFile(path);
        Directory.CreateDirectory(dir);
        var fresh = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(path, options))
                stream.Write(fresh);
            return fresh;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: everyone uses that one.
            return ReadKeyFile(path);
        }
    }

    private static byte[] ReadKeyFile(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            var key = File.ReadAllBytes(path);
            if (key.Length >= 32)
                return key;
            if (attempt >= 20)
                throw new InvalidOperationException($"{path} holds fewer than 32 bytes.");
            Thread.Sleep(50); // a concurrent creator is still writing it
        }
    }
}
