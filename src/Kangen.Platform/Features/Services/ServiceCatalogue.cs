using System.Text;
using System.Text.Json;
using Kangen.Rules;

namespace Kangen.Platform.Features.Services;

/// <summary>
/// The payment services taking part, loaded from a catalogue file (format: docs/services.md). Immutable: a
/// catalogue is checked whole at load and never changes afterwards.
/// </summary>
public sealed class ServiceCatalogue
{
    /// <summary>The manifest name of the embedded <c>data/services/catalogue.json</c>.</summary>
    public const string EmbeddedResourceName = "Kangen.Data.Services.catalogue.json";

    private static readonly Lazy<ServiceCatalogue> Default = new(() =>
    {
        using var stream = typeof(ServiceCatalogue).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {EmbeddedResourceName} is missing from the build.");
        return Parse(stream, "embedded " + EmbeddedResourceName);
    });

    private readonly Dictionary<string, PaymentService> _byCode;
    private readonly (PaymentService Service, string Text)[] _searchText;

    private ServiceCatalogue(IReadOnlyList<PaymentService> services)
    {
        All = services;
        _byCode = services.ToDictionary(s => s.Code.Value, StringComparer.Ordinal);
        _searchText = services.Select(s => (s, SearchKey(string.Join('\n',
            s.Code.Value, s.Name.Ja, s.Name.Zh, s.Name.En, s.Operator, s.OperatorName.Ja, s.OperatorName.Zh, s.OperatorName.En)))).ToArray();
    }

    /// <summary>Every service, in file order.</summary>
    public IReadOnlyList<PaymentService> All { get; }

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
    public PaymentService? Find(string? code) => code is not null && _byCode.TryGetValue(code, out var service) ? service : null;

    /// <summary>
    /// The services whose code, name or operator (in any language) contains <paramref name="text"/> (ignoring case and
    /// full-/half-width), of <paramref name="kind"/> and accepting <paramref name="program"/>; null or blank filters match all.
    /// File order.
    /// </summary>
    public IReadOnlyList<PaymentService> Search(string? text, ServiceKind? kind, ProgramKind? program)
    {
        var key = string.IsNullOrWhiteSpace(text) ? null : SearchKey(text.Trim());
        return _searchText
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
}
