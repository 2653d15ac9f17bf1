namespace Kangen.Platform;

/// <summary>Where the platform keeps its files: config <c>Kangen:Data</c>, else <c>$KANGEN_DATA</c>, else <c>./kangen-data</c>.</summary>
public static class PlatformData
{
    /// <summary>The configuration key of the data folder.</summary>
    public const string ConfigurationKey = "Kangen:Data";

    /// <summary>The environment variable consulted when the key is not set.</summary>
    public const string EnvironmentVariable = "KANGEN_DATA";

    /// <summary>The folder used when neither is set (relative to the working directory).</summary>
    public const string DefaultDirectory = "kangen-data";

    /// <summary>The data folder as a full path.</summary>
    public static string Resolve(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(configured))
            configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? DefaultDirectory : configured);
    }
}
