using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Features.Status;
using Kangen.Platform.Observability;
using Kangen.Platform.Problems;
using Kangen.Platform.Web;
using Kangen.Rules;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using static Kangen.Platform.Web.Texts;

namespace Kangen.Platform.Pages.Apply;

/// <summary>What the page says about one program at step 1.</summary>
/// <param name="Kind">The program.</param>
/// <param name="CanApply">Offered as a choice.</param>
/// <param name="Checked">Ticked.</param>
/// <param name="Why">Why it is not offered (or a note), in the page's language; null when nothing to say.</param>
public sealed record ProgramChoice(ProgramKind Kind, bool CanApply, bool Checked, string? Why);

/// <summary>
/// The application wizard (flow 3) for the signed-in citizen, or for their child under <c>/apply/child</c>: 1 the
/// service and the programs, 2 the service's own fields and the operator's verification, 3 the masked holder name and
/// the terms, 4 the card's signature over the application statement (apply.js, through the local card agent), then
/// the "applied" page. The steps travel in a protected hidden field (<see cref="ApplyDraft"/>); the same feature code
/// as the API checks, verifies and records.
/// </summary>
[Authorize(Policy = WebPolicies.Citizen)]
public sealed class IndexModel(
    ServiceCatalogue catalogue, CampaignProvider campaigns, TimeProvider time, ApplicationStatus status, AccountVerifications verifications,
    ApplicationRecorder recorder, PlatformMetrics metrics, IDataProtectionProvider protection) : PageModel
{
    private readonly ApplyDraftProtector _drafts = new(protection);

    /// <summary>The draft as it stands after this request.</summary>
    public ApplyDraft Draft { get; private set; } = null!;

    /// <summary>The protected draft for the hidden field.</summary>
    public string ProtectedDraft => _drafts.Protect(Draft);

    /// <summary>The URL of a handler of this page (for a child's draft, under <c>/apply/child</c>).</summary>
    public string Action(string handler) => (ForChild ? "/apply/child" : "/apply") + "?handler=" + Uri.EscapeDataString(handler);

    /// <summary>The step shown (1-4).</summary>
    public int Step { get; private set; } = 1;

    /// <summary>True under <c>/apply/child</c> (or a child's draft).</summary>
    public bool ForChild => Draft.ForChild;

    /// <summary>The chosen (or preselected) service.</summary>
    public PaymentService? Service { get; private set; }

    /// <summary>The services offered at step 1 (filtered by <see cref="Query"/>).</summary>
    public IReadOnlyList<PaymentService> Services { get; private set; } = [];

    /// <summary>The search text at step 1.</summary>
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    /// <summary>The programs at step 1.</summary>
    public IReadOnlyList<ProgramChoice> Programs { get; private set; } = [];

    /// <summary>The service the person chose with an earlier application (later programs must use it), or null.</summary>
    public string? FixedService { get; private set; }

    /// <summary>Values typed at step 2 (never the secret ones), to show again after an error.</summary>
    public Dictionary<string, string> Typed { get; } = new(StringComparer.Ordinal);

    /// <summary>Field-level errors: the field's name (<c>service</c>, <c>programs</c>, a service field's name, <c>phoneLast4</c>, <c>accept</c>) to the message.</summary>
    public Dictionary<string, string> FieldErrors { get; } = new(StringComparer.Ordinal);

    /// <summary>Problems that are not about one field, in the page's language, each with what to do.</summary>
    public List<(string Code, string Message, string? WhatToDo)> Errors { get; } = [];

    /// <summary>A notice (e.g. the draft expired).</summary>
    public string? Notice { get; private set; }

    /// <summary>The terms in force (step 3).</summary>
    public ServiceTerms? Terms { get; private set; }

    /// <summary>The signed-in person's certificate serial (the card that must sign).</summary>
    public string SessionSerial { get; private set; } = "";

    /// <summary>Step 1: a new draft, the service preselected by <c>?service=</c>.</summary>
    public async Task<IActionResult> OnGetAsync(string? who, string? service, CancellationToken cancellationToken)
    {
        var session = await SessionAsync();
        Draft = ApplyDraft.Start(session.PersonId, who == "child");
        Service = catalogue.Find(service);
        await ShowStep1Async(Service?.Code.Value, null, cancellationToken);
        return Page();
    }

    /// <summary>Step 1 done: the service and the programs.</summary>
    public async Task<IActionResult> OnPostServiceAsync(string? draft, string? service, string[]? programs, bool childPresent, CancellationToken cancellationToken)
    {
        if (await OpenAsync(draft) is { } restart)
            return restart;
        var chosen = catalogue.Find(service);
        if (chosen is null)
            FieldErrors["service"] = Message(ApplicationProblems.ServiceUnknown(service));
        var kinds = new List<ProgramKind>();
        foreach (var code in programs ?? [])
        {
            if (ProgramKinds.TryParse(code, out var kind) && !kinds.Contains(kind))
                kinds.Add(kind);
        }
        if (kinds.Count == 0)
            FieldErrors["programs"] = T("申し込むポイントを選んでください。", "请选择要申请的积分。", "Choose what to apply for.");
        else if (chosen is not null && kinds.Where(k => !chosen.Accepts(k)).ToList() is { Count: > 0 } notOffered)
            FieldErrors["programs"] = Message(ApplicationProblems.ProgramNotOffered(chosen.Code.Value, notOffered[0].ToCode()))
                + " " + string.Join("、", notOffered.Select(ProgramName));
        else if (chosen is not null && !Draft.ForChild)
        {
            // The same judgement as the status page: only what the person can apply for now.
            var standing = await status.OfAsync(Draft.PersonId, cancellationToken);
            var blocked = kinds.Where(k => standing.Programs.FirstOrDefault(p => p.Program == k.ToCode()) is not { Eligible: true, Applied: false }).ToList();
            if (blocked.Count > 0)
                FieldErrors["programs"] = T("選んだポイントの中に、今は申し込めないものがあります。", "所选积分中有目前无法申请的项目。", "Something you chose cannot be applied for now.")
                    + " " + string.Join("、", blocked.Select(ProgramName));
        }
        if (FieldErrors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Service = chosen;
            await ShowStep1Async(service, kinds, cancellationToken);
            return Page();
        }
        Draft = Draft.WithoutVerification() with
        {
            Service = chosen!.Code.Value,
            Programs = kinds.OrderBy(k => k.Part()).Select(k => k.ToCode()).ToArray(),
            ChildPresent = Draft.ForChild && childPresent,
        };
        return ShowStep(2);
    }

    /// <summary>Step 2 done: the fields are checked as the API checks them, then the operator verifies the account.</summary>
    public async Task<IActionResult> OnPostVerifyAsync(string? draft, string? phoneLast4, CancellationToken cancellationToken)
    {
        if (await OpenAsync(draft) is { } restart)
            return restart;
        if (Draft.Step < 2)
            return ShowStep(Draft.Step);
        Service = catalogue.Find(Draft.Service)!;
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var field in Service.Fields)
        {
            var value = Request.Form["field." + field.Name].ToString();
            fields[field.Name] = value;
            if (!field.Secret)
                Typed[field.Name] = value;
        }
        Typed["phoneLast4"] = phoneLast4 ?? "";
        string? phone = null;
        if (!string.IsNullOrWhiteSpace(phoneLast4) && !ApplicantFacts.TryNormalizePhoneLast4(phoneLast4, out phone))
            FieldErrors["phoneLast4"] = T("電話番号の下4桁は数字4桁で入力してください。", "请输入电话号码的后4位数字。", "Enter the last 4 digits of a phone number.");
        // Field problems first (nothing is asked of the operator while a field is wrong, and nothing is counted).
        var (_, fieldProblems) = FieldValidation.Validate(Service, fields);
        foreach (var problem in fieldProblems)
            FieldErrors[ServiceProblems.FieldName(problem.Field) ?? "fields"] = Message(problem);
        if (FieldErrors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return ShowStep(2);
        }
        var outcome = await verifications.VerifyAsync(await SessionAsync(), new VerifyAccountRequest(Service.Code.Value, fields, Draft.ForChild), cancellationToken);
        if (outcome.Response is not { } verified)
        {
            foreach (var problem in outcome.Problems)
            {
                if (ServiceProblems.FieldName(problem.Field) is { } field)
                    FieldErrors[field] = Message(problem);
                else
                    Errors.Add((problem.Code, Message(problem), WhatToDo(problem.Code, outcome.RetryAfterSeconds)));
            }
            Response.StatusCode = outcome.Problems[0].Status;
            return ShowStep(2);
        }
        Draft = Draft with
        {
            PhoneLast4 = phone, Verification = verified.Verification, MaskedAccountId = verified.MaskedAccountId,
            MaskedHolderName = verified.MaskedHolderName, TermsVersion = null, Confirmed = false,
        };
        return ShowStep(3);
    }

    /// <summary>Step 3 done: the holder name confirmed and the terms in force accepted.</summary>
    public async Task<IActionResult> OnPostConfirmAsync(string? draft, bool accept, CancellationToken cancellationToken)
    {
        if (await OpenAsync(draft) is { } restart)
            return restart;
        if (Draft.Step < 3)
            return ShowStep(Draft.Step);
        if (!accept)
        {
            FieldErrors["accept"] = T("名義を確認し、利用規約に同意してください。", "请确认账户名义并同意使用条款。", "Confirm the holder name and accept the terms.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return ShowStep(3);
        }
        Draft = Draft with { Confirmed = true, TermsVersion = CurrentTerms(catalogue.Find(Draft.Service)!).Version };
        return ShowStep(4);
    }

    /// <summary>Back one step (the verification is dropped when going back to the fields).</summary>
    public async Task<IActionResult> OnPostBackAsync(string? draft, int to, CancellationToken cancellationToken)
    {
        if (await OpenAsync(draft) is { } restart)
            return restart;
        if (to <= 1)
        {
            Service = catalogue.Find(Draft.Service);
            var kinds = Draft.Kinds;
            Draft = Draft.WithoutVerification() with { Service = null };
            await ShowStep1Async(Service?.Code.Value, kinds, cancellationToken);
            return Page();
        }
        if (to == 2)
            Draft = Draft.WithoutVerification();
        else if (to == 3 && Draft.Step >= 3)
            Draft = Draft with { Confirmed = false };
        return ShowStep(Draft.Step);
    }

    /// <summary>
    /// For apply.js: the exact statement the cards sign for <paramref name="challenge"/>, built by
    /// <see cref="ApplicationStatement.Build"/> from the draft (the page never writes the statement itself).
    /// </summary>
    public async Task<IActionResult> OnPostStatementAsync(string? draft, string? challenge)
    {
        var session = await SessionAsync();
        if (_drafts.Open(draft, session.PersonId) is not { Step: 4 } open || string.IsNullOrEmpty(challenge) || challenge.Length > 1024)
            return BadRequest(new { code = "apply.draft-invalid" });
        Draft = open;
        return new JsonResult(new { statement = Statement(challenge) });
    }

    /// <summary>Step 4: records the application signed by the card(s), under the draft's idempotency key.</summary>
    public async Task<IActionResult> OnPostSubmitAsync(string? draft, string? challenge, string? cardCertificate, string? cardSignature,
        string? representativeCertificate, string? representativeSignature, string? ageCertificate, string? ageSignature, CancellationToken cancellationToken)
    {
        if (await OpenAsync(draft) is { } restart)
            return restart;
        if (Draft.Step < 4)
            return ShowStep(Draft.Step);
        var request = new ApplyRequest(campaigns.Definition.Id.Value, [.. Draft.Programs], Draft.Service, Draft.TermsVersion, Draft.Verification, Draft.PhoneLast4,
            challenge, new CardProof(cardCertificate, cardSignature),
            Draft.ForChild ? new CardProof(representativeCertificate, representativeSignature) : null,
            Draft.ChildPresent,
            string.IsNullOrEmpty(ageCertificate) ? null : new CardProof(ageCertificate, ageSignature));
        var outcome = await recorder.SubmitAsync(request, Draft.IdempotencyKey, cancellationToken);
        ApplicationEndpoints.Count(metrics, outcome);
        if (outcome.Application is { } application)
        {
            var counter = await StaffSignIn.IsCounterAsync(HttpContext);
            // An assisted terminal forgets the citizen after every application, before anything else is shown: the
            // next person at the counter must start from their own card.
            if (counter)
                await CitizenSignIn.ForgetAsync(HttpContext, cancellationToken);
            new ApplyReceipt(application, Draft.ForChild, counter, outcome.Replayed).Hand(HttpContext, protection);
            return Redirect("/apply/applied");
        }
        foreach (var problem in outcome.Problems)
            Errors.Add((problem.Code, Message(problem), WhatToDo(problem.Code, null)));
        Response.StatusCode = outcome.Problems[0].Status;
        // Where the citizen can put it right: the account (step 2), the terms (step 3), else the card again (step 4).
        var code = outcome.Problems[0].Code;
        if (code is "application.verification-expired" or "application.verification-invalid" or "application.verification-mismatch"
            or "application.account-taken" or "application.account-same-as-representative" or "application.immutable")
            Draft = Draft.WithoutVerification();
        else if (code == "application.terms-not-current")
            Draft = Draft with { Confirmed = false };
        return ShowStep(Draft.Step);
    }

    /// <summary>The statement for the draft at step 4.</summary>
    private string Statement(string challenge) => ApplicationStatement.Build(challenge, campaigns.Definition.Id.Value, Draft.ForChild,
        Draft.Kinds,
        Draft.Service!, Draft.TermsVersion!, Draft.Verification!, Draft.PhoneLast4, Draft.ChildPresent);

    private async Task<Features.Identity.Sessions.CurrentSession> SessionAsync()
    {
        var session = await CitizenSignIn.CurrentAsync(HttpContext)
            ?? throw new InvalidOperationException("The citizen policy admitted a request without a session.");
        SessionSerial = session.Serial;
        return session;
    }

    /// <summary>Opens the posted draft; when it is missing, altered, expired or another person's, starts again at step 1.</summary>
    private async Task<IActionResult?> OpenAsync(string? value)
    {
        var session = await SessionAsync();
        if (_drafts.Open(value, session.PersonId) is { } draft)
        {
            Draft = draft;
            if (draft.Service is null || catalogue.Find(draft.Service) is not null)
                return null;
            // The administrator withdrew the service from the catalogue while the wizard was open: nothing can go on with
            // it (every later step reads it), so the citizen chooses again, the programs kept.
            var kinds = draft.Kinds;
            Draft = draft.WithoutVerification() with { Service = null };
            FieldErrors["service"] = Message(ApplicationProblems.ServiceUnknown(draft.Service));
            Response.StatusCode = StatusCodes.Status409Conflict;
            await ShowStep1Async(null, kinds, HttpContext.RequestAborted);
            return Page();
        }
        Draft = ApplyDraft.Start(session.PersonId, RouteData.Values["who"] as string == "child");
        Notice = T("入力の有効期限が切れたため、最初からやり直してください（何も記録されていません）。",
            "输入内容已过期，请从头开始（尚未记录任何内容）。",
            "This form has expired: please start again (nothing was recorded).");
        await ShowStep1Async(null, null, HttpContext.RequestAborted);
        return Page();
    }

    private PageResult ShowStep(int step)
    {
        Step = step;
        Service ??= catalogue.Find(Draft.Service);
        if (step >= 3 && Service is not null)
            Terms = CurrentTerms(Service);
        return Page();
    }

    private async Task ShowStep1Async(string? selected, IReadOnlyList<ProgramKind>? ticked, CancellationToken cancellationToken)
    {
        Step = 1;
        var today = Today();
        var open = catalogue.All.Where(s => s.IsOpenOn(today)).ToList();
        var search = string.IsNullOrWhiteSpace(Query) ? open : catalogue.Search(Query, null, null).Where(open.Contains).ToList();
        if (Service is not null && !search.Contains(Service))
            search.Insert(0, Service);
        Services = search;
        var choices = new List<ProgramChoice>();
        if (Draft.ForChild)
        {
            // The child's own registrations are not visible from the representative's session: the submission judges
            // them; part 1 is the usual choice.
            foreach (var kind in ProgramKinds.All)
            {
                var offered = Service is null || Service.Accepts(kind);
                choices.Add(new ProgramChoice(kind, offered, offered && (ticked?.Contains(kind) ?? kind == ProgramKind.CardAcquisition),
                    !offered ? T("この決済サービスでは申し込めません。", "该支付服务不受理。", "Not offered by this service.")
                    : kind == ProgramKind.CardAcquisition ? null
                    : T("お子さまの登録状況は申込み時に確認されます。", "子女的登记情况将在申请时确认。", "The child's registration is checked when you apply.")));
            }
        }
        else
        {
            var standing = await status.OfAsync(Draft.PersonId, cancellationToken);
            FixedService = standing.Programs.FirstOrDefault(p => p.Applied)?.Service?.Code;
            foreach (var p in standing.Programs)
            {
                if (!ProgramKinds.TryParse(p.Program, out var kind))
                    continue;
                var offered = Service is null || Service.Accepts(kind);
                var can = p.Eligible && !p.Applied && offered;
                string? why = null;
                if (p.Applied)
                    why = T("申込み済みです。", "已申请。", "Already applied.");
                else if (!p.Eligible)
                    why = WebCulture.Pick(p.ToDo.Ja, p.ToDo.Zh, p.ToDo.En)
                        + (p.Reasons.Count > 0 ? " " + string.Join(" ", p.Reasons.Select(r => WebCulture.Pick(r.Ja, r.Zh, r.En))) : "");
                else if (!offered)
                    why = T("この決済サービスでは申し込めません。", "该支付服务不受理。", "Not offered by this service.");
                choices.Add(new ProgramChoice(kind, can, can && (ticked?.Contains(kind) ?? true), why));
            }
            if (FixedService is not null && Service is null)
                Service = catalogue.Find(FixedService);
        }
        Programs = choices;
    }

    private ServiceTerms CurrentTerms(PaymentService service) => service.TermsAt(Today());

    /// <summary>Today on the campaign's calendar.</summary>
    private DateOnly Today() => campaigns.Definition.Base.TimeZone.DateOf(time.GetUtcNow());

    /// <summary>What the citizen can do about a refusal, in the page's language.</summary>
    private static string? WhatToDo(string code, int? retryAfter) => code switch
    {
        "application.account-taken" => T("この決済サービスIDは、別の方がすでにポイントの受取りに使っています。ご自身の別のアカウントを入力してください。",
            "该支付服务ID已被他人用于领取积分。请输入您本人的其他账户。",
            "Someone else already receives points on this account. Enter another account of your own."),
        "application.account-same-as-representative" => T("お子さまの分には、保護者ご自身の分とは別の、お子さま用のアカウントを入力してください。",
            "为子女申请时，请输入与您本人不同的、子女专用的账户。",
            "For your child, enter an account of the child's own, not the one you use yourself."),
        "application.already-exists" => T("すでに申込み済みです。申込状況のページでご確認ください。", "已经申请过。请在申请状态页面确认。", "You have already applied: see your status page."),
        "application.service-fixed" => T("ポイントは最初に選んだ決済サービスでのみ受け取れます。その決済サービスを選び直してください。",
            "积分只能通过最初选择的支付服务领取。请重新选择该支付服务。", "Points go to the service you chose first: choose that service again."),
        "application.terms-not-current" => T("新しい利用規約を読んで、もう一度同意してください。", "请阅读新的使用条款并再次同意。", "Read the new terms and accept them again."),
        "application.verification-expired" or "application.verification-invalid" or "application.verification-mismatch"
            => T("決済サービスIDとセキュリティコードをもう一度入力してください。", "请重新输入支付服务ID和安全码。", "Enter the payment service ID and the security codes again."),
        "application.signature-invalid" or "auth.challenge-expired" or "auth.challenge-used" or "auth.challenge-invalid"
            => T("もう一度カードで確認してください。", "请再次用卡确认。", "Confirm with the card again."),
        "application.operator-unavailable" or "application.verify-rate-limited" => retryAfter is { } s
            ? T($"{Math.Max(1, (s + 59) / 60)}分ほど待ってからもう一度お試しください。", $"请等待约{Math.Max(1, (s + 59) / 60)}分钟后重试。", $"Try again in about {Math.Max(1, (s + 59) / 60)} minute(s).")
            : T("しばらく待ってからもう一度お試しください。", "请稍后重试。", "Try again in a while."),
        "application.age-proof-invalid" or "application.age-proof-required"
            => T("お子さまのカードと署名用電子証明書のパスワードで、もう一度確認してください。", "请用子女的卡和签名用电子证书的密码再次确认。",
                "Confirm again with the child's card and its signing password."),
        "application.representative-is-applicant" => T("お子さまのカードを選んでください（保護者のカードとは別のカードです）。", "请选择子女的卡（与监护人的卡不同）。",
            "Choose the child's card (not your own)."),
        _ when code.StartsWith("auth.certificate-", StringComparison.Ordinal) => T("カードの電子証明書が使えません。市区町村の窓口でご確認ください。",
            "卡的电子证书无法使用。请到市区町村窗口确认。", "The card's certificate cannot be used: ask your municipal office."),
        _ when code.StartsWith("eligibility.", StringComparison.Ordinal) => T("申込状況のページで理由をご確認ください。", "请在申请状态页面确认原因。", "See the reasons on your status page."),
        _ => null,
    };
}
