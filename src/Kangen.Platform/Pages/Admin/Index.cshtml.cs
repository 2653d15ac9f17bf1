using System.Globalization;
using Kangen.Platform.Features.Admission;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Kangen.Platform.Web.Charts;
using Kangen.Rules;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Admin;

/// <summary>The administrator's dashboard: live figures as charts, read from the database at each request.</summary>
public sealed class AdminIndexModel(KangenDbContext db, CampaignProvider campaigns, AdmissionControl admission, TimeProvider time) : PageModel
{
    /// <summary>When the figures were read.</summary>
    public DateTimeOffset ReadAt { get; private set; }

    /// <summary>The reading time in the campaign's time zone.</summary>
    public string ReadAtText => campaigns.Definition.Base.TimeZone.ToLocal(ReadAt).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    /// <summary>The charts, in page order.</summary>
    public IReadOnlyList<IHtmlContent> Charts { get; private set; } = [];

    /// <summary>Settlement months by operator.</summary>
    public IReadOnlyList<SettlementMonth> Settlements { get; private set; } = [];

    /// <summary>Registered operators.</summary>
    public IReadOnlyList<OperatorRow> Operators { get; private set; } = [];

    /// <summary>The waiting room now (the full view is <c>/admin/admission</c>).</summary>
    public AdmissionLive? Admission { get; private set; }

    /// <summary>Whether admission control is on.</summary>
    public bool AdmissionEnabled { get; private set; }

    /// <summary>Program applications in all.</summary>
    public long ApplicationsTotal { get; private set; }

    /// <summary>Reads every figure.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        ReadAt = time.GetUtcNow();
        var zone = campaigns.Definition.Base.TimeZone;
        var perHour = await AdminFigures.ApplicationsPerHourAsync(db, ReadAt.AddHours(-47), ReadAt, cancellationToken);
        var perChannel = await AdminFigures.ApplicationsPerChannelAsync(db, cancellationToken);
        var perService = await AdminFigures.ApplicationsPerServiceAsync(db, cancellationToken);
        var perProgram = await AdminFigures.ApplicationsPerProgramAsync(db, cancellationToken);
        var offset = zone.ToLocal(ReadAt).Offset;
        var today = zone.DateOf(ReadAt);
        var firstDay = today.AddDays(-29);
        var grants = await AdminFigures.GrantsPerDayAsync(db, zone.StartOf(firstDay), offset, cancellationToken);
        Settlements = await AdminFigures.SettlementMonthsAsync(db, cancellationToken);
        Operators = await AdminFigures.OperatorsAsync(db, cancellationToken);
        ApplicationsTotal = perProgram.Sum(p => p.Count);
        // The panel needs the figures of now only (the last minute's advances: the rate and the latest in-flow count);
        // the hour's history is the admission console's.
        Admission = (await admission.LiveAsync(db, TimeSpan.FromMinutes(1), cancellationToken)).Live;
        AdmissionEnabled = admission.Settings.Enabled;

        var invariant = CultureInfo.InvariantCulture;
        var count = WebCulture.Pick("件数", "件数", "Count");
        var charts = new List<IHtmlContent>
        {
            SvgChart.TimeSeries("chart-hourly",
                WebCulture.Pick("1時間ごとの申込み（直近48時間）", "每小时申请数（最近48小时）", "Applications per hour (last 48 hours)"),
                WebCulture.Pick($"直近48時間の申込み {perHour.Sum(h => h.Count):N0} 件、1時間の最大 {perHour.Max(h => h.Count):N0} 件。",
                    $"最近48小时申请 {perHour.Sum(h => h.Count):N0} 件，每小时最多 {perHour.Max(h => h.Count):N0} 件。",
                    $"{perHour.Sum(h => h.Count):N0} applications in the last 48 hours, at most {perHour.Max(h => h.Count):N0} in an hour."),
                perHour.Select(h => zone.ToLocal(h.Hour).ToString("MM-dd HH:00", invariant)).ToArray(),
                [new ChartSeries(count, perHour.Select(h => h.Count).ToArray())],
                WebCulture.Pick("時刻", "时间", "Hour")),
            SvgChart.Bars("chart-channel",
                WebCulture.Pick("チャネル別の申込み", "各渠道申请数", "Applications per channel"),
                Describe(perChannel),
                perChannel.Select(c => new ChartPoint(c.Category, c.Count)).ToArray(),
                WebCulture.Pick("チャネル", "渠道", "Channel"), count),
            SvgChart.Bars("chart-program",
                WebCulture.Pick("事業別の申込み", "各项目申请数", "Applications per program"),
                Describe(perProgram.Select(p => p with { Category = Program(p.Category) }).ToArray()),
                perProgram.Select(p => new ChartPoint(Program(p.Category), p.Count)).ToArray(),
                WebCulture.Pick("事業", "项目", "Program"), count),
            SvgChart.HorizontalBars("chart-service",
                WebCulture.Pick("決済サービス別の申込み", "各支付服务申请数", "Applications per payment service"),
                Describe(perService),
                perService.Select(s => new ChartPoint(s.Category, s.Count)).ToArray(),
                WebCulture.Pick("決済サービス", "支付服务", "Payment service"), count),
        };
        var days = Enumerable.Range(0, 30).Select(firstDay.AddDays).ToArray();
        var programs = ProgramKinds.All.Select(p => p.ToCode()).ToArray();
        var dayLabels = days.Select(d => d.ToString("MM-dd", invariant)).ToArray();
        long Value(DateOnly day, string program, bool points) =>
            grants.Where(g => g.Day == day && g.Program == program).Select(g => points ? g.Points : g.Lines).FirstOrDefault();
        charts.Add(SvgChart.TimeSeries("chart-grant-points",
            WebCulture.Pick("事業別・日別の付与ポイント（直近30日）", "各项目每日发放积分（最近30天）", "Points granted per program and day (last 30 days)"),
            WebCulture.Pick($"付与ポイント合計 {grants.Sum(g => g.Points):N0}。", $"发放积分合计 {grants.Sum(g => g.Points):N0}。", $"{grants.Sum(g => g.Points):N0} points in all."),
            dayLabels, programs.Select(p => new ChartSeries(Program(p), days.Select(d => Value(d, p, points: true)).ToArray())).ToArray(),
            WebCulture.Pick("日付", "日期", "Day")));
        charts.Add(SvgChart.TimeSeries("chart-grant-lines",
            WebCulture.Pick("事業別・日別の付与明細件数（直近30日）", "各项目每日发放明细件数（最近30天）", "Grant lines per program and day (last 30 days)"),
            WebCulture.Pick($"明細 {grants.Sum(g => g.Lines):N0} 件。", $"明细 {grants.Sum(g => g.Lines):N0} 件。", $"{grants.Sum(g => g.Lines):N0} lines in all."),
            dayLabels, programs.Select(p => new ChartSeries(Program(p), days.Select(d => Value(d, p, points: false)).ToArray())).ToArray(),
            WebCulture.Pick("日付", "日期", "Day")));
        var states = Settlements.GroupBy(s => s.State).Select(g => new ChartPoint(State(g.Key), g.Sum(s => s.Points))).ToArray();
        charts.Add(SvgChart.Bars("chart-settlement",
            WebCulture.Pick("精算状態別のポイント", "各结算状态的积分", "Points by settlement state"),
            WebCulture.Pick("見込み・確定・確認済みの各ポイント合計。", "预估、最终、已确认各自的积分合计。", "Net points of estimates, final and confirmed envelopes."),
            states, WebCulture.Pick("状態", "状态", "State"), WebCulture.Pick("ポイント", "积分", "Points")));
        Charts = charts;
    }

    /// <summary>A program code's short name in the page language, as the charts label it (the code itself when unknown).</summary>
    public static string Program(string code) => ProgramKinds.TryParse(code, out var kind) ? Texts.ProgramShortName(kind) : code;

    /// <summary>A settlement state in the page language.</summary>
    public static string State(string state) => state switch
    {
        "estimate" => WebCulture.Pick("見込み", "预估", "estimate"),
        "final" => WebCulture.Pick("確定", "最终", "final"),
        "confirmed" => WebCulture.Pick("確認済み", "已确认", "confirmed"),
        _ => state,
    };

    /// <summary>yyyyMM as yyyy-MM.</summary>
    public static string MonthText(int month) => Features.Grants.GrantRules.MonthText(month);

    private static string Describe(IReadOnlyList<CategoryCount> counts) => counts.Count == 0
        ? WebCulture.Pick("申込みはまだありません。", "尚无申请。", "No applications yet.")
        : string.Join(WebCulture.Pick("、", "，", ", "), counts.Select(c => $"{c.Category} {c.Count:N0}"));
}
