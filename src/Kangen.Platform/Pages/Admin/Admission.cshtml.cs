using System.Globalization;
using Kangen.Platform.Features.Admission;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Kangen.Platform.Web.Charts;
using Kangen.Rules;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Admin;

/// <summary>
/// The admission console (issue 11): the waiting room's live figures, its last hour as a chart, and the settings
/// (on/off, capacity, request rate, staggered windows) saved through <see cref="AdmissionControl.SaveSettingsAsync"/>,
/// the code of <c>PUT /api/v1/admin/admission</c>, so a change is checked, audited and in force on every replica at once.
/// </summary>
public sealed class AdminAdmissionModel(KangenDbContext db, AdmissionControl admission, TimeProvider time) : PageModel
{
    /// <summary>The format of a <c>datetime-local</c> input (Japan time).</summary>
    public const string LocalFormat = "yyyy-MM-dd'T'HH:mm";

    private static readonly string[] LocalFormats = [LocalFormat, "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm"];

    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);

    /// <summary>When the figures were read.</summary>
    public DateTimeOffset ReadAt { get; private set; }

    /// <summary>The waiting room now.</summary>
    public AdmissionLive Live { get; private set; } = new(0, 0, 0, 0, null, 0, 0);

    /// <summary>The settings in force.</summary>
    public AdmissionSettings Current { get; private set; } = new(false, 1, 0, null);

    /// <summary>The last hour's chart.</summary>
    public IHtmlContent? Chart { get; private set; }

    /// <summary>What was just done (<c>saved</c>), for the notice.</summary>
    [BindProperty(SupportsGet = true, Name = "done")]
    public string? Done { get; set; }

    /// <summary>The posted on/off switch (an unchecked box posts nothing: off).</summary>
    [BindProperty(Name = "enabled")]
    public bool Enabled { get; set; }

    /// <summary>The posted capacity, as typed.</summary>
    [BindProperty(Name = "capacity")]
    public string? Capacity { get; set; }

    /// <summary>The posted request rate, as typed.</summary>
    [BindProperty(Name = "requestsPerSecond")]
    public string? RequestsPerSecond { get; set; }

    /// <summary>The posted end of the staggered windows (Japan time, <see cref="LocalFormat"/>), empty for none.</summary>
    [BindProperty(Name = "until")]
    public string? Until { get; set; }

    /// <summary>The posted opening time per digit 0-9 (Japan time), empty for open.</summary>
    [BindProperty(Name = "opens")]
    public string?[] Opens { get; set; } = new string?[10];

    /// <summary>Whether the post was refused (the form then shows what was typed).</summary>
    public bool Refused => _errors.Count > 0;

    /// <summary>The message of a field (<c>enabled</c>, <c>capacity</c>, <c>requestsPerSecond</c>, <c>until</c>, <c>opens-0</c>..<c>opens-9</c>, or <c>form</c>).</summary>
    public string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    /// <summary>An instant as a <c>datetime-local</c> value in Japan time.</summary>
    public static string LocalValue(DateTimeOffset? at) =>
        at is { } a ? CampaignTimeZone.Japan.ToLocal(a).ToString(LocalFormat, CultureInfo.InvariantCulture) : "";

    /// <summary>The figures and the form.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(fillForm: true, cancellationToken);

    /// <summary>Saves the settings; a refusal is shown next to its field and changes nothing.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var settings = Parse();
        if (settings is not null)
        {
            var problem = await admission.SaveSettingsAsync(db, settings, StaffRoles.StaffId(User), cancellationToken);
            if (problem is null)
                return LocalRedirect("/admin/admission?done=saved");
            _errors[FieldOf(problem.Field)] = Texts.Message(problem) + (problem.Detail is null ? "" : " (" + problem.Detail + ")");
            Response.StatusCode = problem.Status;
        }
        else
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        Done = null;
        await LoadAsync(fillForm: false, cancellationToken);
        return Page();
    }

    /// <summary>
    /// The form's field for a problem's field as <see cref="AdmissionSettings.Problems"/> names it
    /// (<c>windows.opens.3</c> is <c>opens-3</c>); anything else is the form's own.
    /// </summary>
    public static string FieldOf(string? field)
    {
        var f = field ?? "";
        if (f.StartsWith("windows.", StringComparison.Ordinal))
            f = f["windows.".Length..];
        if (f.StartsWith("opens.", StringComparison.Ordinal) && int.TryParse(f["opens.".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var digit) && digit is >= 0 and <= 9)
            return "opens-" + digit.ToString(CultureInfo.InvariantCulture);
        return f is "enabled" or "capacity" or "requestsPerSecond" or "until" ? f : "form";
    }

    private AdmissionSettings? Parse()
    {
        var capacity = Integer("capacity", Capacity);
        var rate = Integer("requestsPerSecond", RequestsPerSecond);
        var until = Instant("until", Until);
        var opens = new Dictionary<int, DateTimeOffset>();
        for (var d = 0; d <= 9; d++)
        {
            if (Instant("opens-" + d.ToString(CultureInfo.InvariantCulture), d < Opens.Length ? Opens[d] : null) is { } at)
                opens[d] = at;
        }
        if (until is null && opens.Count > 0 && !_errors.ContainsKey("until"))
            _errors["until"] = Texts.Message(AdmissionProblems.Invalid("windows.until", "")) + " " + WebCulture.Pick(
                "時間帯を分けるときは、終了日時も入力してください。", "分时受理时，请同时填写结束时间。", "Staggered windows need an end (until).");
        if (_errors.Count > 0)
            return null;
        return new AdmissionSettings(Enabled, capacity!.Value, rate!.Value, until is { } u ? new AdmissionWindows(u, opens) : null);
    }

    private int? Integer(string field, string? text)
    {
        if (int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            return value;
        // A sign or a fraction is out of range rather than unreadable: say so the same way the settings check does.
        _errors[field] = Texts.Message(AdmissionProblems.Invalid(field, "")) + " " + WebCulture.Pick(
            "0以上の整数を入力してください。", "请输入0以上的整数。", "Enter a whole number, 0 or more.");
        return null;
    }

    private DateTimeOffset? Instant(string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (DateTime.TryParseExact(text.Trim(), LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return CampaignTimeZone.Japan.StartOf(DateOnly.FromDateTime(local)).Add(local.TimeOfDay);
        _errors[field] = Texts.Message(AdmissionProblems.Invalid(field, "")) + " " + WebCulture.Pick(
            "日時を「2026-01-31T09:00」の形で入力してください。", "请按“2026-01-31T09:00”的格式输入日期时间。", "Enter a date and time as 2026-01-31T09:00.");
        return null;
    }

    private async Task LoadAsync(bool fillForm, CancellationToken cancellationToken)
    {
        ReadAt = time.GetUtcNow();
        Current = admission.Settings;
        var (live, history) = await admission.LiveAsync(db, TimeSpan.FromHours(1), cancellationToken);
        Live = live;
        var minutes = AdminFigures.AdmissionPerMinute(history, ReadAt, 60);
        var invariant = CultureInfo.InvariantCulture;
        Chart = SvgChart.TimeSeries("chart-admission",
            WebCulture.Pick("待ち行列と入場（直近1時間、1分ごと）", "排队人数与入场人数（最近1小时，每分钟）", "Queue and admissions (last hour, per minute)"),
            WebCulture.Pick($"待ち行列の最大 {minutes.Max(m => m.QueueLength):N0} 人、入場 {minutes.Sum(m => m.Admitted):N0} 人。",
                $"排队最多 {minutes.Max(m => m.QueueLength):N0} 人，入场 {minutes.Sum(m => m.Admitted):N0} 人。",
                $"At most {minutes.Max(m => m.QueueLength):N0} waiting; {minutes.Sum(m => m.Admitted):N0} let in."),
            minutes.Select(m => CampaignTimeZone.Japan.ToLocal(m.Minute).ToString("HH:mm", invariant)).ToArray(),
            [
                new ChartSeries(WebCulture.Pick("待ち行列（最大）", "排队人数（最多）", "Waiting (most)"), minutes.Select(m => m.QueueLength).ToArray()),
                new ChartSeries(WebCulture.Pick("入場した人数", "入场人数", "Let in"), minutes.Select(m => m.Admitted).ToArray()),
            ],
            WebCulture.Pick("時刻（日本時間）", "时间（日本时间）", "Time (Japan)"));
        if (!fillForm)
            return;
        Enabled = Current.Enabled;
        Capacity = Current.Capacity.ToString(invariant);
        RequestsPerSecond = Current.RequestsPerSecond.ToString(invariant);
        Until = LocalValue(Current.Windows?.Until);
        Opens = Enumerable.Range(0, 10).Select(d => Current.Windows is { } w && w.Opens.TryGetValue(d, out var at) ? LocalValue(at) : "").ToArray();
    }
}
