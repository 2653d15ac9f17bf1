using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Problems;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Registrations;

/// <summary>
/// Parts 2 and 3 (flow 4): the health-insurance use of the card and the public-fund receipt account, validated by the
/// registrations feature (every problem next to its field) and kept by the registry adapter. A public-fund account
/// cannot be registered from a procedure-spot session.
/// </summary>
[Authorize(Policy = WebPolicies.Citizen)]
public sealed class IndexModel(IRegistrationRegistry registry, BankCodes banks) : PageModel
{
    /// <summary>Part 2 as typed.</summary>
    [BindProperty]
    public HealthInsuranceForm Health { get; set; } = new();

    /// <summary>Part 3 as typed.</summary>
    [BindProperty]
    public PublicFundForm Fund { get; set; } = new();

    /// <summary>The person's registrations now.</summary>
    public RegistrationRecord? HealthInsurance { get; private set; }

    /// <summary>The person's public-fund account now.</summary>
    public RegistrationRecord? PublicFundAccount { get; private set; }

    /// <summary>Which form was just saved (<c>health-insurance</c> or <c>public-fund-account</c>) and whether it changed anything.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    /// <summary>Which form the problems belong to.</summary>
    public string? Failed { get; private set; }

    /// <summary>The problems of the last post, by field (a null field: about the whole form).</summary>
    public IReadOnlyList<PlatformProblem> Problems { get; private set; } = [];

    /// <summary>True when the session was opened at a procedure-spot terminal.</summary>
    public bool AtSpot { get; private set; }

    /// <summary>The bank of the typed bank code, when it exists (shown next to the field).</summary>
    public Bank? TypedBank { get; private set; }

    /// <summary>The branch of the typed codes, when it exists.</summary>
    public Branch? TypedBranch { get; private set; }

    /// <summary>The page.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    /// <summary>Registers (or replaces) the health-insurance details.</summary>
    public async Task<IActionResult> OnPostHealthInsuranceAsync(CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(User);
        var (card, problems) = HealthInsuranceCard.Validate(new HealthInsuranceRequest(Health.InsurerNumber, Health.Symbol, Health.Number, Health.BranchNumber));
        if (card is null)
            return await RefuseAsync(RegistrationKinds.HealthInsurance, problems, cancellationToken);
        var outcome = await registry.RegisterAsync(session.PersonId, card, session.Channel, cancellationToken);
        return RedirectToPage(new { done = RegistrationKinds.HealthInsurance + (outcome.Changed ? "" : ":same") });
    }

    /// <summary>Registers (or replaces) the public-fund receipt account; refused from a spot session before anything is read.</summary>
    public async Task<IActionResult> OnPostPublicFundAccountAsync(CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(User);
        if (session.Channel == Channels.Spot)
            return await RefuseAsync(RegistrationKinds.PublicFundAccount, [RegistrationProblems.NotAtSpot], cancellationToken);
        var (account, problems) = Features.Registrations.PublicFundAccount.Validate(
            new PublicFundAccountRequest(Fund.BankCode, Fund.BranchCode, Fund.AccountType, Fund.AccountNumber, Fund.HolderName), banks);
        if (account is null)
            return await RefuseAsync(RegistrationKinds.PublicFundAccount, problems, cancellationToken);
        var outcome = await registry.RegisterAsync(session.PersonId, account, session.Channel, cancellationToken);
        return RedirectToPage(new { done = RegistrationKinds.PublicFundAccount + (outcome.Changed ? "" : ":same") });
    }

    /// <summary>The messages about <paramref name="field"/> of the failed form.</summary>
    public IEnumerable<string> ErrorsFor(string kind, string field) =>
        Failed == kind ? Problems.Where(p => p.Field == field).Select(Texts.Message) : [];

    /// <summary>The messages of the failed form not about one of its fields.</summary>
    public IEnumerable<PlatformProblem> FormErrors(string kind, params string[] fields) =>
        Failed == kind ? Problems.Where(p => p.Field is null || !fields.Contains(p.Field)) : [];

    private async Task<IActionResult> RefuseAsync(string kind, IReadOnlyList<PlatformProblem> problems, CancellationToken cancellationToken)
    {
        Failed = kind;
        Problems = problems;
        Done = null;
        Response.StatusCode = problems[0].Status;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(User);
        AtSpot = session.Channel == Channels.Spot;
        var records = await registry.ListAsync(session.PersonId, cancellationToken);
        HealthInsurance = records.SingleOrDefault(r => r.Kind == RegistrationKinds.HealthInsurance);
        PublicFundAccount = records.SingleOrDefault(r => r.Kind == RegistrationKinds.PublicFundAccount);
        // The codes as the validation reads them, so the names shown beside the fields are those of what is checked.
        if (banks.TryGetBank(HealthInsuranceCard.Identifier(Fund.BankCode), out var bank))
        {
            TypedBank = bank;
            if (banks.TryGetBranch(bank.Code, HealthInsuranceCard.Identifier(Fund.BranchCode), out var branch))
                TypedBranch = branch;
        }
    }

    /// <summary>The health-insurance form (no secret: the card's printed symbol and number).</summary>
    public sealed class HealthInsuranceForm
    {
        /// <summary>保険者番号.</summary>
        public string? InsurerNumber { get; set; }

        /// <summary>記号.</summary>
        public string? Symbol { get; set; }

        /// <summary>番号.</summary>
        public string? Number { get; set; }

        /// <summary>枝番.</summary>
        public string? BranchNumber { get; set; }
    }

    /// <summary>The public-fund account form.</summary>
    public sealed class PublicFundForm
    {
        /// <summary>金融機関コード.</summary>
        public string? BankCode { get; set; }

        /// <summary>支店コード.</summary>
        public string? BranchCode { get; set; }

        /// <summary>預金種目.</summary>
        public string? AccountType { get; set; } = AccountTypes.Ordinary;

        /// <summary>口座番号.</summary>
        public string? AccountNumber { get; set; }

        /// <summary>口座名義 (kana).</summary>
        public string? HolderName { get; set; }
    }
}
