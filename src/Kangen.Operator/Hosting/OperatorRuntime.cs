using System.Security.Cryptography;
using Kangen.Operator.Enrolments;
using Kangen.Operator.Grants;
using Kangen.Operator.Rebates;
using Kangen.Operator.Services;
using Kangen.Operator.Settlement;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Kangen.Rules;

namespace Kangen.Operator.Hosting;

/// <summary>
/// Everything an operator runs, wired from <see cref="OperatorOptions"/>: its store, services, ledger and, when a
/// platform and key are configured, the platform client, the enrolment puller, the grant reporter and the
/// settlement checker. The web host and the CLI commands use the same object.
/// </summary>
public sealed class OperatorRuntime : IDisposable
{
    private readonly ECDsa? _key;
    private readonly PlatformClient? _client;

    /// <summary>Wires an operator.</summary>
    /// <exception cref="InvalidOperationException">When the options are incomplete or the operator has no service in the catalogue.</exception>
    /// <exception cref="CryptographicException">When the key file holds no P-256 private key.</exception>
    /// <param name="options">The options.</param>
    /// <param name="time">The clock (signatures, rebates, months).</param>
    /// <param name="platformTransport">The transport under the platform client's signing (see <see cref="PlatformClient"/>); default sockets.</param>
    public OperatorRuntime(OperatorOptions options, TimeProvider time, Func<HttpMessageHandler>? platformTransport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (string.IsNullOrWhiteSpace(options.Code))
            throw new InvalidOperationException("The operator code is required (Operator:Code).");
        Options = options;
        Time = time;
        Services = OperatorServices.Load(options.Code, options.CatalogueFile);
        Store = new OperatorStore(options.Data, options.Code);
        Ledger = new OperatorLedger(Services, CampaignFile.LoadDefault(), time);
        if (options.Platform is not null && (options.KeyFile is not null || options.KeyPem is not null))
        {
            _key = SigningKeys.ReadPrivate(options.KeyPem ?? File.ReadAllText(options.KeyFile!));
            _client = new PlatformClient(new Uri(options.Platform), _key, time, transport: platformTransport);
            Puller = new EnrolmentPuller(_client, Ledger, time);
            Reporter = new GrantReporter(_client, time, options.BatchSize, options.BulkThreshold);
            Settlement = new SettlementChecker(_client, time);
        }
    }

    /// <summary>The options.</summary>
    public OperatorOptions Options { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The operator's services.</summary>
    public OperatorServices Services { get; }

    /// <summary>The database.</summary>
    public OperatorStore Store { get; }

    /// <summary>Transactions and rebates.</summary>
    public OperatorLedger Ledger { get; }

    /// <summary>The platform client (null without a platform and key).</summary>
    public PlatformClient? Client => _client;

    /// <summary>The enrolment feed reader (null without a platform and key).</summary>
    public EnrolmentPuller? Puller { get; }

    /// <summary>The outbox sender (null without a platform and key).</summary>
    public GrantReporter? Reporter { get; }

    /// <summary>The settlement checker (null without a platform and key).</summary>
    public SettlementChecker? Settlement { get; }

    /// <summary>The key id of the operator's key (null without one).</summary>
    public string? KeyId => _client?.KeyId;

    /// <inheritdoc />
    public void Dispose()
    {
        _client?.Dispose();
        _key?.Dispose();
    }
}
