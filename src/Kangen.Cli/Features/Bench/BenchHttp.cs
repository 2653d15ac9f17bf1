namespace Kangen.Cli.Features.Bench;

/// <summary>
/// The HTTP client of every <c>kangen bench</c> load, scenarios and machine-limit probes alike: the same settings, so a
/// scenario's throughput and the trivial endpoint's limit are measured through the same client stack.
/// </summary>
internal static class BenchHttp
{
    /// <summary>A client for the host at <paramref name="url"/>; relative request paths resolve against it.</summary>
    public static HttpClient Client(string url) =>
        new() { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
}
