using System.Globalization;
using Kangen.Rules;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Campaigns;

/// <summary>The campaign configuration: <c>Kangen:Campaign</c>.</summary>
public sealed class CampaignOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Campaign";

    /// <summary>A campaign file (format: docs/rules.md); the embedded Mynapoint Phase 2 file when empty.</summary>
    public string? File { get; set; }

    /// <summary>
    /// For demonstrations: a date of the campaign's own calendar (e.g. <c>2022-10-15</c>) that today, at start-up,
    /// becomes. Every date of the campaign (and of the payment service catalogue) moves by the same number of days,
    /// so a 2022-2023 campaign can be run today with its rules unchanged. Empty: the real dates.
    /// </summary>
    public string? DemoAnchor { get; set; }
}

/// <summary>
/// The campaign the platform runs: the configured file (or the embedded one) at start-up, replaced by an
/// administrator's newest saved version (<see cref="ConfigurationDocuments"/>) when there is one. A replacement is one
/// reference swap: each call sees one whole version.
/// </summary>
public sealed class CampaignProvider
{
    private volatile CampaignDefinition _definition;
    private readonly string? _file;

    /// <summary>Loads the campaign from <paramref name="options"/>; throws with every problem when the file is invalid.</summary>
    public CampaignProvider(IOptions<CampaignOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var o = options.Value;
        _file = string.IsNullOrWhiteSpace(o.File) ? null : o.File;
        CampaignDefinition definition;
        if (_file is null)
            definition = CampaignFile.LoadDefault();
        else
        {
            var parsed = CampaignFile.Parse(System.IO.File.ReadAllText(_file));
            if (!parsed.IsSuccess)
                throw new InvalidOperationException($"{CampaignOptions.Section}:File '{o.File}' is not a valid campaign: "
                    + string.Join("; ", parsed.Violations.Select(v => v.ToString())));
            definition = parsed.Value;
        }
        if (!string.IsNullOrWhiteSpace(o.DemoAnchor))
        {
            if (!DateOnly.TryParseExact(o.DemoAnchor.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var anchor))
                throw new InvalidOperationException($"{CampaignOptions.Section}:DemoAnchor must be a date (yyyy-MM-dd), not '{o.DemoAnchor}'.");
            // Fixed at start-up: a saved version moves by the same days, and so does the service catalogue.
            ShiftDays = CampaignDefinition.DaysToShift(anchor, definition.Base.TimeZone.DateOf(time.GetUtcNow()));
        }
        _definition = definition.ShiftedBy(ShiftDays);
    }

    /// <summary>The campaign (already shifted when a demo anchor is set).</summary>
    public CampaignDefinition Definition => _definition;

    /// <summary>Days every date was moved by (0 on the real calendar).</summary>
    public int ShiftDays { get; }

    /// <summary>
    /// The text of the configured campaign file (or the embedded one): what an administrator edits first. Read when asked
    /// (the admin's editor), not kept from start-up.
    /// </summary>
    public string FileText() => _file is null ? CampaignFile.DefaultText() : System.IO.File.ReadAllText(_file);

    /// <summary>The campaign in force at <paramref name="instant"/>.</summary>
    public Campaign At(DateTimeOffset instant) => Definition.InForceAt(instant);

    /// <summary>Serves <paramref name="definition"/> (as written: the demo shift is applied here) from now on.</summary>
    public void Replace(CampaignDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        _definition = definition.ShiftedBy(ShiftDays);
    }
}
