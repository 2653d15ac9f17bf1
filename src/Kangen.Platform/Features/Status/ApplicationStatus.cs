using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Status;

/// <summary>A message in the three languages.</summary>
/// <param name="Code">Stable code.</param>
/// <param name="Ja">Japanese.</param>
/// <param name="Zh">Chinese.</param>
/// <param name="En">English.</param>
public sealed record StatusMessage(string Code, string Ja, string Zh, string En);

/// <summary>A service's name in the three languages.</summary>
/// <param name="Code">The service code.</param>
/// <param name="Ja">Japanese.</param>
/// <param name="Zh">Chinese.</param>
/// <param name="En">English.</param>
public sealed record ServiceName(string Code, string Ja, string Zh, string En);

/// <summary>Where a person stands for one program. Never a grant amount: points are the operator's to show.</summary>
/// <param name="Program">The program code.</param>
/// <param name="Part">1, 2 or 3.</param>
/// <param name="Applied">True when an application is recorded.</param>
/// <param name="Service">The chosen service, when applied.</param>
/// <param name="AppliedAt">When, when applied.</param>
/// <param name="Actor"><c>self</c> or <c>legal-representative</c>, when applied.</param>
/// <param name="Eligible">True when the rules let the person apply (or earn) now.</param>
/// <param name="Reasons">Why not, when not eligible.</param>
/// <param name="ToDo">What is left to do.</param>
/// <param name="OpensAt">When the program's window opens.</param>
/// <param name="ClosesAt">The first instant after it (for the chosen service, if that closes earlier).</param>
public sealed record ProgramStatus(string Program, int Part, bool Applied, ServiceName? Service, DateTimeOffset? AppliedAt, string? Actor,
    bool Eligible, IReadOnlyList<StatusMessage> Reasons, StatusMessage ToDo, DateTimeOffset OpensAt, DateTimeOffset ClosesAt);

/// <summary>A person's standing in the campaign.</summary>
/// <param name="MyKeyId">Their My Key ID.</param>
/// <param name="Campaign">The campaign id.</param>
/// <param name="CampaignVersion">The version in force now.</param>
/// <param name="Programs">Per program, in part order.</param>
public sealed record PersonStatus(string MyKeyId, string Campaign, int CampaignVersion, IReadOnlyList<ProgramStatus> Programs);

/// <summary>
/// Flow 7: per program, applied or not (service, date), eligibility and what is left to do, from the applications,
/// the registrations adapter and <c>Kangen.Rules</c>. The status page, the call centre and the representative's view of
/// their children all use it.
/// </summary>
public sealed class ApplicationStatus(KangenDbContext db, CampaignProvider campaigns, ServiceCatalogue catalogue, IRegistrationRegistry registry, TimeProvider time)
{
    /// <summary>The status of <paramref name="personId"/> now.</summary>
    public async Task<PersonStatus> OfAsync(Guid personId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var campaign = campaigns.At(now);
        var id = campaign.Id.Value;
        var person = await db.Persons.AsNoTracking().SingleAsync(p => p.Id == personId, cancellationToken);
        var applications = await db.Applications.AsNoTracking().Where(a => a.Campaign == id && a.PersonId == personId).ToListAsync(cancellationToken);
        var choice = applications.Count > 0 ? applications[0].Service : null;
        var facts = await registry.GetFactsAsync(personId, cancellationToken);
        var eligibility = EligibilityRules.Evaluate(campaign,
            Applications.ApplicantFacts.Of(person, facts),
            now, choice is null ? null : ServiceCode.Parse(choice));
        var programs = new List<ProgramStatus>();
        foreach (var program in campaign.Programs)
        {
            var code = program.Kind.ToCode();
            var applied = applications.FirstOrDefault(a => a.Program == code);
            var judged = eligibility.For(program.Kind)!;
            var reasons = judged.Reasons.Select(r => new StatusMessage(r.Code.Code, r.Code.Ja, r.Code.Zh, r.Code.En)).ToArray();
            programs.Add(new ProgramStatus(code, program.Kind.Part(), applied is not null, applied is null ? null : NameOf(applied.Service),
                applied?.RecordedAt, applied?.Actor, judged.IsEligible, reasons, ToDo(program.Kind, applied is not null, judged, now), judged.OpensAt, judged.ClosesAt));
        }
        return new PersonStatus(person.MyKeyId, id, campaign.Version, programs);
    }

    /// <summary>The status of every person <paramref name="representativeId"/> applied for as legal representative.</summary>
    public async Task<IReadOnlyList<PersonStatus>> ChildrenOfAsync(Guid representativeId, CancellationToken cancellationToken)
    {
        var childIds = await db.ApplicationSubmissions.AsNoTracking()
            .Where(s => s.RequesterId == representativeId && s.PersonId != representativeId)
            .Select(s => s.PersonId).Distinct().ToListAsync(cancellationToken);
        var children = new List<PersonStatus>();
        foreach (var child in childIds)
            children.Add(await OfAsync(child, cancellationToken));
        return children;
    }

    private ServiceName NameOf(string code) => catalogue.Find(code) is { } s
        ? new ServiceName(code, s.Name.Ja, s.Name.Zh, s.Name.En)
        : new ServiceName(code, code, code, code);

    private static StatusMessage ToDo(ProgramKind program, bool applied, ProgramEligibility judged, DateTimeOffset now)
    {
        if (applied)
            return Todo.CheckWithOperator;
        if (judged.IsEligible)
            return Todo.Apply;
        if (now < judged.OpensAt)
            return Todo.Wait;
        if (now >= judged.ClosesAt)
            return Todo.Closed;
        if (judged.Reasons.Any(r => r.Code == RuleCodes.EligibilityRegistrationMissing))
            return program == ProgramKind.HealthInsurance ? Todo.RegisterHealthInsurance : Todo.RegisterPublicFundAccount;
        return Todo.NotEligible;
    }

    /// <summary>What is left to do, with messages.</summary>
    public static class Todo
    {
        /// <summary>Applied: points are granted and shown by the payment service.</summary>
        public static readonly StatusMessage CheckWithOperator = new("todo.check-with-operator",
            "お申込み済みです。ポイントの付与状況は、選んだ決済サービスのアプリやサイトでご確認ください。",
            "已申请。积分发放情况请在所选支付服务的应用或网站上确认。",
            "Applied. Check the points granted in your payment service's app or site.");

        /// <summary>Eligible and not applied.</summary>
        public static readonly StatusMessage Apply = new("todo.apply",
            "お申込みができます。決済サービスを選んでお申し込みください。",
            "可以申请。请选择支付服务并提交申请。",
            "You can apply: choose a payment service and apply.");

        /// <summary>Part 2: register the card as a health insurance certificate first.</summary>
        public static readonly StatusMessage RegisterHealthInsurance = new("todo.register-health-insurance",
            "まずマイナンバーカードの健康保険証利用登録を行ってください。",
            "请先完成将个人编号卡登记为健康保险证的手续。",
            "First register your My Number Card for use as a health insurance certificate.");

        /// <summary>Part 3: register a public-fund receipt account first.</summary>
        public static readonly StatusMessage RegisterPublicFundAccount = new("todo.register-public-fund-account",
            "まず公金受取口座の登録を行ってください（手続きスポットの端末では登録できません）。",
            "请先登记公费领取账户（无法在手续点的终端上登记）。",
            "First register a public-fund receipt account (not possible at procedure-spot terminals).");

        /// <summary>The window has not opened yet.</summary>
        public static readonly StatusMessage Wait = new("todo.wait",
            "受付開始前です。",
            "尚未开始受理。",
            "Applications for this have not opened yet.");

        /// <summary>The window has closed.</summary>
        public static readonly StatusMessage Closed = new("todo.closed",
            "受付は終了しました。",
            "受理已结束。",
            "Applications for this have closed.");

        /// <summary>Not eligible for another reason (see the reasons).</summary>
        public static readonly StatusMessage NotEligible = new("todo.not-eligible",
            "対象外です（理由をご確認ください）。",
            "不符合条件（请查看原因）。",
            "Not eligible (see the reasons).");
    }
}
