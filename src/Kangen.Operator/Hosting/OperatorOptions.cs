namespace Kangen.Operator.Hosting;

/// <summary>
/// The configuration of an operator app (section <c>Operator</c>: <c>--Operator:Code=...</c> etc., or set in code
/// and passed to <see cref="OperatorHost.Build"/>).
/// </summary>
public sealed class OperatorOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Operator";

    /// <summary>The operator code (as registered on the platform and in the catalogue).</summary>
    public string Code { get; set; } = "";

    /// <summary>The platform's base URL, e.g. <c>http://127.0.0.1:5080</c>.</summary>
    public string? Platform { get; set; }

    /// <summary>The operator's private key, a PEM file (<c>kangen operator keygen</c>).</summary>
    public string? KeyFile { get; set; }

    /// <summary>The operator's private key in PEM, instead of <see cref="KeyFile"/> (in-process hosts, e.g. <c>kangen demo</c>).</summary>
    public string? KeyPem { get; set; }

    /// <summary>The platform's public key in PEM, instead of <see cref="PlatformKeyFile"/> or fetching it.</summary>
    public string? PlatformKeyPem { get; set; }

    /// <summary>The data folder; the database is <c>{Data}/{Code}.db</c>.</summary>
    public string Data { get; set; } = "operator-data";

    /// <summary>The platform's public key as a PEM file; when absent it is fetched from the platform's platform-key route at start.</summary>
    public string? PlatformKeyFile { get; set; }

    /// <summary>The path of the verification endpoint.</summary>
    public string VerifyPath { get; set; } = "/kangen/verify";

    /// <summary>A catalogue file to read the operator's services from (default: the embedded demo catalogue).</summary>
    public string? CatalogueFile { get; set; }

    /// <summary>How often the enrolment feed is read.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the outbox is sent (and ended months closed).</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Lines per grant batch.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>From this many pending grants on, one bulk NDJSON file is sent instead of batches.</summary>
    public int BulkThreshold { get; set; } = 5000;

    /// <summary>False to run only the verification endpoint (no feed pull, no reporting).</summary>
    public bool Background { get; set; } = true;
}
