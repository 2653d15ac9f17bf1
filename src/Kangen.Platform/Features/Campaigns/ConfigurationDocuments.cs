using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Campaigns;

/// <summary>The kinds of editable configuration documents (<c>configuration_documents.kind</c>).</summary>
public static class ConfigurationKinds
{
    /// <summary>The campaign file (format: docs/rules.md).</summary>
    public const string Campaign = "campaign";

    /// <summary>The payment service catalogue (format: docs/services.md).</summary>
    public const string Catalogue = "catalogue";

    /// <summary>Both kinds.</summary>
    public static readonly IReadOnlyList<string> All = [Campaign, Catalogue];

    /// <summary>True for a known kind.</summary>
    public static bool IsKnown(string? kind) => kind is Campaign or Catalogue;
}

/// <summary>The configuration documents' settings: <c>Kangen:Configuration</c>.</summary>
public sealed class ConfigurationOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Configuration";

    /// <summary>How often each replica asks the database for a newer saved version (seconds; default 5).</summary>
    public int RefreshSeconds { get; set; } = 5;
}

/// <summary>One problem of a document: where (a JSON path) and what.</summary>
public sealed record DocumentProblem(string Path, string Message);

/// <summary>One saved version of a document (without its content).</summary>
public sealed record ConfigurationVersion(string Kind, int Version, string Sha256, DateTimeOffset SavedAt, string SavedBy);

/// <summary>The codes of saving a configuration document (<c>configuration.*</c>).</summary>
public static class ConfigurationProblems
{
    /// <summary>The document does not parse; nothing was saved.</summary>
    public static PlatformProblem Invalid(int count) => new("configuration.invalid", StatusCodes.Status400BadRequest,
        "文書に誤りがあります。保存していません。", "文档有错误，未保存。", "The document has errors; nothing was saved.", $"{count} problem(s)", "content");

    /// <summary>Another administrator saved a version at the same moment.</summary>
    public static readonly PlatformProblem Conflict = new("configuration.conflict", StatusCodes.Status409Conflict,
        "同時に別の版が保存されました。最新の版を確認してからもう一度保存してください。", "同时保存了另一个版本。请确认最新版本后重新保存。",
        "Another version was saved at the same moment; check the newest version and save again.", null, "content");

    /// <summary>The same content is the version in force already.</summary>
    public static readonly PlatformProblem Unchanged = new("configuration.unchanged", StatusCodes.Status409Conflict,
        "現在の版と同じ内容です。", "与当前版本内容相同。", "The content is the same as the version in force.", null, "content");
}

/// <summary>
/// The administrator's edited campaign and service catalogue: checked by the same parsers that load the files, saved
/// as numbered versions in <c>configuration_documents</c> (audited), and served by every replica: the newest version
/// of a kind replaces the configured file in <see cref="CampaignProvider"/> and the registered
/// <see cref="ServiceCatalogue"/>, at start-up, at once on the replica that saved it, and on the others at their next
/// poll (<see cref="ConfigurationOptions.RefreshSeconds"/>). A document that does not parse is never saved, so
/// never loaded.
/// </summary>
public sealed class ConfigurationDocuments(IServiceProvider services, IConfiguration configuration, ILogger<ConfigurationDocuments> log)
{
    private readonly Lock _applying = new();
    private readonly Dictionary<string, int> _applied = new(StringComparer.Ordinal);

    /// <summary>The version of <paramref name="kind"/> in force on this replica (0: the file).</summary>
    public int AppliedVersion(string kind)
    {
        lock (_applying)
            return _applied.GetValueOrDefault(kind);
    }

    /// <summary>Every problem of <paramref name="content"/> as a document of <paramref name="kind"/>; empty when it loads.</summary>
    public static IReadOnlyList<DocumentProblem> Validate(string kind, string? content) => Check(kind, content).Problems;

    /// <summary>
    /// Parses <paramref name="content"/> once: the parsed document (a <see cref="CampaignDefinition"/> or a
    /// <see cref="ServiceCatalogue"/>, as written, not shifted) when it loads, else every problem.
    /// </summary>
    private static (object? Parsed, IReadOnlyList<DocumentProblem> Problems) Check(string kind, string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
            return (null, [new DocumentProblem("$", "the document is empty")]);
        switch (kind)
        {
            case ConfigurationKinds.Campaign:
                var campaign = CampaignFile.Parse(content);
                return campaign.IsSuccess
                    ? (campaign.Value, [])
                    : (null, campaign.Violations.Select(v => new DocumentProblem(v.Path ?? "$", v.Code.Code + (v.Detail is null ? "" : ": " + v.Detail))).ToArray());
            case ConfigurationKinds.Catalogue:
                var (catalogue, problems) = ServiceCatalogue.ParseWithProblems(content);
                return (catalogue, problems.Select(Split).ToArray());
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a configuration kind");
        }

        // The catalogue reader reports "path: reason".
        static DocumentProblem Split(string problem)
        {
            var colon = problem.IndexOf(": ", StringComparison.Ordinal);
            return colon > 0 ? new DocumentProblem(problem[..colon], problem[(colon + 2)..]) : new DocumentProblem("$", problem);
        }
    }

    /// <summary>
    /// A campaign document must keep the id of the campaign in force: every recorded application, choice and grant is
    /// stored under it, so another id would make every citizen "not applied" (and free to apply again) at once. A
    /// different campaign is a new platform, not an edit.
    /// </summary>
    private IReadOnlyList<DocumentProblem> SameCampaign(CampaignDefinition campaign)
    {
        var inForce = services.GetRequiredService<CampaignProvider>().Definition.Id;
        return campaign.Id != inForce
            ? [new DocumentProblem("$.id", $"the campaign's id must stay '{inForce.Value}': the recorded applications belong to it")]
            : [];
    }

    /// <summary>SHA-256 (lowercase hex) of the UTF-8 content, as stored.</summary>
    public static string Hash(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    /// <summary>
    /// Saves <paramref name="content"/> as the next version of <paramref name="kind"/> when it parses (audited as
    /// <c>configuration.saved</c>) and puts it in force on this replica at once. Refusals: the document's problems
    /// (nothing saved), <c>configuration.unchanged</c>, <c>configuration.conflict</c>.
    /// </summary>
    public async Task<(ConfigurationVersion? Saved, PlatformProblem? Problem, IReadOnlyList<DocumentProblem> Problems)> SaveAsync(
        KangenDbContext db, WriteGate gate, TimeProvider time, string kind, string? content, string staffId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(time);
        if (!ConfigurationKinds.IsKnown(kind))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a configuration kind");
        var (parsed, problems) = Check(kind, content);
        if (parsed is CampaignDefinition campaign)
            problems = SameCampaign(campaign);
        if (problems.Count > 0)
            return (null, ConfigurationProblems.Invalid(problems.Count), problems);
        var hash = Hash(content!);
        ConfigurationDocument row;
        using (await gate.EnterAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var newest = await db.ConfigurationDocuments.AsNoTracking().Where(d => d.Kind == kind).OrderByDescending(d => d.Version)
                .Select(d => new { d.Version, d.Sha256 }).FirstOrDefaultAsync(cancellationToken);
            if (newest is not null && newest.Sha256 == hash)
                return (null, ConfigurationProblems.Unchanged, []);
            row = new ConfigurationDocument { Kind = kind, Version = (newest?.Version ?? 0) + 1, Content = content!, Sha256 = hash, SavedAt = now, SavedBy = staffId };
            db.ConfigurationDocuments.Add(row);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (KangenStorage.IsUniqueViolation(e))
            {
                // Another replica took the same version number between the read and the insert.
                return (null, ConfigurationProblems.Conflict, []);
            }
            await AuditIntent.AppendAllAsync(db, now,
                [new AuditIntent("staff:" + staffId, "configuration.saved", "configuration:" + kind, new { version = row.Version, sha256 = hash })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        Apply(kind, row.Version, parsed!);
        return (new ConfigurationVersion(kind, row.Version, hash, row.SavedAt, staffId), null, []);
    }

    /// <summary>Puts the newest saved version of each kind in force when it is newer than the one applied; returns how many changed.</summary>
    public async Task<int> RefreshAsync(KangenDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var changed = 0;
        // One small query per poll; a document's content is read only when it is newer than the one in force.
        var newest = await db.ConfigurationDocuments.AsNoTracking().GroupBy(d => d.Kind)
            .Select(g => new { Kind = g.Key, Version = g.Max(d => d.Version) }).ToListAsync(cancellationToken);
        foreach (var (kind, version) in newest.Select(n => (n.Kind, n.Version)))
        {
            if (!ConfigurationKinds.IsKnown(kind) || version <= AppliedVersion(kind))
                continue;
            var content = await db.ConfigurationDocuments.AsNoTracking().Where(d => d.Kind == kind && d.Version == version)
                .Select(d => d.Content).SingleAsync(cancellationToken);
            var (parsed, problems) = Check(kind, content);
            if (parsed is null)
            {
                // Saved documents were checked by this parser; only a newer platform's stricter rules can get here.
                log.LogError("Saved {Kind} version {Version} does not load and is ignored: {Problems}", kind, version,
                    string.Join("; ", problems.Select(p => p.Path + ": " + p.Message)));
                continue;
            }
            if (Apply(kind, version, parsed))
                changed++;
        }
        return changed;
    }

    /// <summary>The versions of <paramref name="kind"/>, newest first.</summary>
    public static async Task<IReadOnlyList<ConfigurationVersion>> HistoryAsync(KangenDbContext db, string kind, int take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.ConfigurationDocuments.AsNoTracking().Where(d => d.Kind == kind).OrderByDescending(d => d.Version).Take(take)
            .Select(d => new ConfigurationVersion(d.Kind, d.Version, d.Sha256, d.SavedAt, d.SavedBy)).ToListAsync(cancellationToken);
    }

    /// <summary>The text in force for <paramref name="kind"/>: the newest saved version, else the configured (or embedded) file.</summary>
    public async Task<(string Content, int Version)> CurrentTextAsync(KangenDbContext db, string kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var newest = await db.ConfigurationDocuments.AsNoTracking().Where(d => d.Kind == kind).OrderByDescending(d => d.Version)
            .Select(d => new { d.Content, d.Version }).FirstOrDefaultAsync(cancellationToken);
        if (newest is not null)
            return (newest.Content, newest.Version);
        return (kind == ConfigurationKinds.Campaign ? services.GetRequiredService<CampaignProvider>().FileText() : CatalogueFileText(), 0);
    }

    private string CatalogueFileText()
    {
        var file = configuration[ServicesRegistration.FileKey];
        if (!string.IsNullOrWhiteSpace(file))
            return File.ReadAllText(Path.GetFullPath(file));
        return ServiceCatalogue.DefaultText();
    }

    private bool Apply(string kind, int version, object parsed)
    {
        lock (_applying)
        {
            // A poll that read an older version must not undo the save this replica just applied.
            if (version <= _applied.GetValueOrDefault(kind))
                return false;
            var campaigns = services.GetRequiredService<CampaignProvider>();
            if (parsed is CampaignDefinition campaign)
                campaigns.Replace(campaign);
            else
                // On demo dates the services' calendar moves with the campaign's, as for the file.
                services.GetRequiredService<ServiceCatalogue>().Replace(((ServiceCatalogue)parsed).ShiftedBy(campaigns.ShiftDays));
            _applied[kind] = version;
            log.LogInformation("Configuration {Kind} version {Version} is in force.", kind, version);
            return true;
        }
    }
}

/// <summary>Loads the newest saved documents before the platform serves, then polls for newer ones.</summary>
internal sealed class ConfigurationRefresher(
    IServiceScopeFactory scopes, ConfigurationDocuments documents, IOptions<ConfigurationOptions> options, ILogger<ConfigurationRefresher> log) : IHostedService, IDisposable
{
    // Cancelled on stop and on disposal, never disposed: a host may stop and dispose its services at once (a test host's
    // teardown did, and a source disposed while it was being cancelled failed the stop), and a source without a timer or
    // a wait handle holds nothing that disposal would free.
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Hosted services start before Kestrel listens (and after the start-up migration): the first request sees the saved version.
        await RefreshOnceAsync(cancellationToken);
        if (options.Value.RefreshSeconds > 0)
            _loop = LoopAsync(TimeSpan.FromSeconds(options.Value.RefreshSeconds), _stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Hosts may stop after disposing their services, or while disposing them: cancelling again is nothing.
        await _stopping.CancelAsync();
        if (_loop is not null)
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Cancel();

    private async Task LoopAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        // Real time, not the injected TimeProvider: the poll is plumbing between replicas, not a rule of the campaign.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await RefreshOnceAsync(stoppingToken);
        }
    }

    private async Task RefreshOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await documents.RefreshAsync(scope.ServiceProvider.GetRequiredService<KangenDbContext>(), cancellationToken);
        }
        catch (DbException e)
        {
            // An unreachable database must not stop the platform (readiness reports it); the version in force stays.
            log.LogWarning(e, "Could not read the configuration documents; the versions in force stay.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException) when (_stopping.IsCancellationRequested)
        {
            // The host disposed its services while this poll was starting: the platform is going away.
        }
    }
}

/// <summary>Registration of the configuration documents.</summary>
public static class ConfigurationRegistration
{
    /// <summary>Adds <see cref="ConfigurationDocuments"/> and its refresher (<c>Kangen:Configuration</c>).</summary>
    public static IHostApplicationBuilder AddConfigurationDocuments(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ConfigurationOptions>().BindConfiguration(ConfigurationOptions.Section)
            .Validate(o => o.RefreshSeconds is >= 0 and <= 3600, "Kangen:Configuration:RefreshSeconds must be 0..3600 (0: no polling).");
        builder.Services.TryAddSingleton<ConfigurationDocuments>();
        builder.Services.AddHostedService<ConfigurationRefresher>();
        return builder;
    }
}
