using System.Text;
using System.Text.Json;
using Kangen.Rules;

namespace Kangen.Platform.Features.Services;

/// <summary>
/// The payment services taking part, loaded from a catalogue file (format: docs/services.md). A catalogue is checked
/// whole at load. The platform's registered instance can be given a newer version (an administrator's saved
/// document, <see cref="Replace"/>): its contents are swapped whole, atomically, so each call sees one version.
/// </summary>
public sealed class ServiceCatalogue
{
    /// <summary>The manifest name of the embedded <c>data/services/catalogue.json</c>.</summary>
    public const string EmbeddedResourceName = "Kangen.Data.Services.catalogue.json";

    private static readonly Lazy<ServiceCatalogue> Default = new(() =>
    {
        using var stream = OpenDefault();
        return Parse(stream, "embedded " + EmbeddedResourceName);
    });

    /// <summary>The text of the catalogue shipped inside the platform (what an administrator edits first).</summary>
    public static string DefaultText()
    {
        using var reader = new StreamReader(OpenDefault());
        return reader.ReadToEnd();
    }

    private static Stream OpenDefault() =>
        typeof(ServiceCatalogue).Assembly.GetManifestResourceStream(EmbeddedResourceName)
        ?? throw new InvalidOperationException($"The embedded resource {EmbeddedResourceName} is missing from the build.");

    // One immutable snapshot, swapped whole: a reader takes the reference once and never sees half of two versions.
    private volatile Contents _contents;

    private ServiceCatalogue(IReadOnlyList<PaymentService> services) => _contents = new Contents(services);

    /// <summary>Every service, in file order.</summary>
    public IReadOnlyList<PaymentService> All => _contents.All;

    /// <summary>A separate instance with the same services, safe to <see cref="Replace"/> (the shared default never is).</summary>
    public ServiceCatalogue Detached() => new(All);

    /// <summary>
    /// Serves <paramref name="newer"/>'s services from now on (the registered singleton, when an administrator saved
    /// a new catalogue). Callers holding this instance see the new version at their next call.
    /// </summary>
    /// <exception cref="InvalidOperationException">On the shared embedded default, which other hosts in the process also hold.</exception>
    public void Replace(ServiceCatalogue newer)
    {
        ArgumentNullException.ThrowIfNull(newer);
        if (ReferenceEquals(this, Default.IsValueCreated ? Default.Value : null))
            throw new InvalidOperationException("The embedded default catalogue is shared; replace a Detached() copy.");
        _contents = newer._contents;
    }

    /// <summary>
    /// Parses a catalogue document; on failure every problem (JSON path and reason), nothing thrown. (Not named
    /// TryParse: minimal APIs would take the catalogue for a route-bindable type.)
    /// </summary>
    public static (ServiceCatalogue? Catalogue, IReadOnlyList<string> Problems) ParseWithProblems(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            return (null, [$"{(e.Path is { Length: > 0 } path ? path : "$")}: not valid JSON: {e.Message}"]);
        }
        using (document)
        {
            var reader = new CatalogueReader();
            var services = reader.Read(document.RootElement);
            return reader.Problems.Count > 0 ? (null, reader.Problems.ToArray()) : (new ServiceCatalogue(services), []);
        }
    }

    /// <summary>The catalogue shipped inside the platform (<c>data/services/catalogue.json</c>).</summary>
    public static ServiceCatalogue LoadDefault() => Default.Value;

    /// <summary>Loads and checks a catalogue file.</summary>
    /// <exception cref="InvalidOperationException">Listing every problem of the file (the JSON path of the entry and the reason).</exception>
    public static ServiceCatalogue Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new InvalidOperationException($"The payment service catalogue {path} does not exist.");
        using var stream = File.OpenRead(path);
        return Parse(stream, path);
    }

    /// <summary>Reads a catalogue from a stream (<paramref name="source"/> names it in error messages).</summary>
    /// <exception cref="InvalidOperationException">Listing every problem of the document.</exception>
    public static ServiceCatalogue Parse(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"The payment service catalogue {source} is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var reader = new CatalogueReader();
            var services = reader.Read(document.RootElement);
            if (reader.Problems.Count > 0)
            {
                throw new InvalidOperationException(
                    $"The payment service catalogue {source} has {reader.Problems.Count} problem(s):" + Environment.NewLine
                    + string.Join(Environment.NewLine, reader.Problems.Select(p => "  " + p)));
            }
            return new ServiceCatalogue(services);
        }
    }

    /// <summary>The service with this code, or null (also for null or malformed codes).</summary>
    public PaymentService? Find(string? code) => code is not null && _contents.ByCode.TryGetValue(code, out var service) ? service : null;

    /// <summary>
    /// The services whose code, name or operator (in any language) contains <paramref name="text"/> (ignoring case and
    /// full-/half-width), of <paramref name="kind"/> and accepting <paramref name="program"/>; null or blank filters match all.
    /// File order.
    /// </summary>
    public IReadOnlyList<PaymentService> Search(string? text, ServiceKind? kind, ProgramKind? program)
    {
        var key = string.IsNullOrWhiteSpace(text) ? null : SearchKey(text.Trim());
        return _contents.SearchText
            .Where(e => (kind is null || e.Service.Kind == kind)
                && (program is null || e.Service.Programs.Contains(program.Value))
                && (key is null || e.Text.Contains(key, StringComparison.Ordinal)))
            .Select(e => e.Service)
            .ToArray();
    }

    /// <summary>
    /// The same catalogue with every date (terms effective dates, last days) moved by <paramref name="days"/>: the demo
    /// moves the campaign's calendar to today and the services' calendar with it.
    /// </summary>
    public ServiceCatalogue ShiftedBy(int days) => days == 0 ? this : new ServiceCatalogue(All.Select(s => s with
    {
        Terms = s.Terms.Select(t => t with { Effective = t.Effective.AddDays(days) }).ToArray(),
        LastDay = s.LastDay?.AddDays(days),
    }).ToArray());

    private static string SearchKey(string text) => text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();

    private sealed class Contents
    {
        public Contents(IReadOnlyList<PaymentService> services)
        {
            All = services;
            ByCode = services.ToDictionary(s => s.Code.Value, StringComparer.Ordinal);
            SearchText = services.Select(s => (s, SearchKey(string.Join('\n',
                s.Code.Value, s.Name.Ja, s.Name.Zh, s.Name.En, s.Operator, s.OperatorName.Ja, s.OperatorName.Zh, s.OperatorName.En)))).ToArray();
        }

        public IReadOnlyList<PaymentService> All { get; }

        public Dictionary<string, PaymentService> ByCode { get; }

        public (PaymentService Service, string Text)[] SearchText { get; }
    }
}
