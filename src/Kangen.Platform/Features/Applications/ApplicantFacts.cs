using System.Text;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Storage;
using Kangen.Rules;

namespace Kangen.Platform.Features.Applications;

/// <summary>What the platform knows of a person for the rules and how it reads what people type; shared by applying, status and the call centre.</summary>
public static class ApplicantFacts
{
    /// <summary>
    /// The facts eligibility judges: the card held since the earliest certificate issue seen, the registrations; no card
    /// application date and no Phase 1 history are known to the platform.
    /// </summary>
    public static PersonFacts Of(Person person, RegistrationFacts registrations)
    {
        ArgumentNullException.ThrowIfNull(person);
        ArgumentNullException.ThrowIfNull(registrations);
        return new PersonFacts(null, person.CardHeldSince, Phase1History.NeverApplied,
            registrations.HealthInsuranceRegisteredAt, registrations.PublicFundAccountRegisteredAt);
    }

    /// <summary>The last 4 digits of a phone number as typed (full-width digits and spaces allowed), as 4 ASCII digits; false otherwise.</summary>
    public static bool TryNormalizePhoneLast4(string? typed, out string digits)
    {
        digits = (typed ?? "").Normalize(NormalizationForm.FormKC).Trim();
        return digits.Length == 4 && digits.All(char.IsAsciiDigit);
    }
}
