using Kangen.Platform.Features.Services;
using Kangen.Platform.Problems;
using Kangen.Protocol;

namespace Kangen.Platform.Tests.Features.Services;

public class FieldValidationTests
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.LoadDefault();
    private static readonly PaymentService Ecash = Catalogue.Find("demo-ecash")!;

    private static Dictionary<string, string?> Input(params (string Name, string? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private static string ValidCardNumber(PaymentService service)
    {
        var payload = "123456789012345";
        return service.AccountIdField.CheckDigit == CheckDigitKind.None
            ? payload + "0"
            : payload + CheckDigits.Compute(service.AccountIdField.CheckDigit, payload);
    }

    private static string SecurityCode(PaymentService service) =>
        new('7', service.Fields.Single(f => f.Secret).MinLength);

    [Fact]
    public void Valid_fields_are_normalised_and_the_account_id_is_exposed()
    {
        var number = ValidCardNumber(Ecash);
        var typed = string.Join(" ", number.Chunk(4).Select(c => new string(c))).Replace('1', '１');
        var code = SecurityCode(Ecash);

        var (fields, problems) = FieldValidation.Validate(Ecash, Input(("cardNumber", typed), ("securityCode", " " + code)));

        Assert.Empty(problems);
        Assert.Equal(number, fields!.AccountId);
        Assert.Equal(code, fields.Values["securityCode"]);
        Assert.Equal(Ecash.Fields.Count, fields.Values.Count);
        Assert.DoesNotContain(code, fields.ToString());
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once_with_its_own_code()
    {
        var pay = Catalogue.Find("demo-pay")!;
        var input = new Dictionary<string, string?>
        {
            [pay.AccountIdField.Name] = "12ab",
            ["favouriteColour"] = "blue",
        };

        var (fields, problems) = FieldValidation.Validate(pay, input);

        Assert.Null(fields);
        Assert.Contains(problems, p => p.Code == "service.field-invalid" && p.Field == "fields." + pay.AccountIdField.Name);
        Assert.Contains(problems, p => p.Code == "service.field-unknown" && p.Field == "fields.favouriteColour");
        foreach (var missing in pay.Fields.Where(f => !f.IsAccountId))
            Assert.Contains(problems, p => p.Code == "service.field-required" && p.Field == "fields." + missing.Name);
        Assert.Equal(pay.Fields.Count + 1, problems.Count);
        Assert.All(problems, p =>
        {
            Assert.Equal(400, p.Status);
            Assert.False(string.IsNullOrWhiteSpace(p.Ja));
            Assert.False(string.IsNullOrWhiteSpace(p.Zh));
            Assert.False(string.IsNullOrWhiteSpace(p.En));
        });
    }

    [Fact]
    public void A_mistyped_digit_fails_the_check_digit_and_names_the_field()
    {
        var card = Catalogue.Find("demo-card")!;
        var number = ValidCardNumber(card);
        var typo = number[..^1] + (char)('0' + (number[^1] - '0' + 1) % 10);

        var (_, problems) = FieldValidation.Validate(card, Input(("cardNumber", typo), ("verificationCode", "123456")));

        var problem = Assert.Single(problems);
        Assert.Equal("service.field-check-digit", problem.Code);
        Assert.Equal("fields.cardNumber", problem.Field);
        Assert.Contains(card.AccountIdField.Label.Ja, problem.Ja);
    }

    [Fact]
    public void Null_input_reports_every_field_as_required()
    {
        var (fields, problems) = FieldValidation.Validate(Ecash, null);
        Assert.Null(fields);
        Assert.Equal(Ecash.Fields.Select(f => "fields." + f.Name), problems.Select(p => p.Field));
        Assert.All(problems, p => Assert.Equal("service.field-required", p.Code));
    }

    [Fact]
    public void Blank_and_separator_only_values_are_missing_not_invalid()
    {
        var (_, problems) = FieldValidation.Validate(Ecash, Input(("cardNumber", " - －　"), ("securityCode", "")));
        Assert.All(problems, p => Assert.Equal("service.field-required", p.Code));
        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void Field_names_match_exactly()
    {
        var (_, problems) = FieldValidation.Validate(Ecash, Input(("CardNumber", ValidCardNumber(Ecash)), ("securityCode", SecurityCode(Ecash))));
        Assert.Contains(problems, p => p.Code == "service.field-unknown" && p.Field == "fields.CardNumber");
        Assert.Contains(problems, p => p.Code == "service.field-required" && p.Field == "fields.cardNumber");
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567890123")]
    [InlineData("12ab")]
    [InlineData("s3cr3t-PASSWORD-that-is-far-too-long-for-any-field-of-this-service-at-all-and-then-some-more-text")]
    public void Problems_never_echo_the_value_of_a_secret_field(string secret)
    {
        foreach (var service in Catalogue.All)
        {
            var input = service.Fields.ToDictionary(f => f.Name, f => (string?)(f.Secret ? secret : "x"));
            var (_, problems) = FieldValidation.Validate(service, input);
            foreach (var field in service.Fields.Where(f => f.Secret))
            {
                var normalised = FieldNormalisation.Apply(field.Normalisation, secret);
                var problem = problems.SingleOrDefault(p => p.Field == "fields." + field.Name);
                if (problem is null)
                    continue;
                foreach (var text in new[] { problem.Ja, problem.Zh, problem.En, problem.Detail ?? "", problem.ToString() })
                {
                    Assert.DoesNotContain(secret, text);
                    Assert.DoesNotContain(normalised, text);
                }
            }
            var reply = ProblemResults.From(problems);
            Assert.DoesNotContain(secret, System.Text.Json.JsonSerializer.Serialize(reply.ProblemDetails));
        }
    }

    [Fact]
    public void A_huge_value_is_refused_without_normalising_it()
    {
        var (_, problems) = FieldValidation.Validate(Ecash, Input(("cardNumber", new string('１', 1_000_000)), ("securityCode", SecurityCode(Ecash))));
        var problem = Assert.Single(problems);
        Assert.Equal("service.field-invalid", problem.Code);
    }

    [Fact]
    public void Patterns_are_matched_without_backtracking_and_without_a_wall_clock_limit()
    {
        // A 100 ms match timeout refused a valid card number on a loaded CI machine: a pause counted as the pattern's time.
        var plain = FieldPatterns.Get("^[0-9]{16}$");
        Assert.Equal(System.Text.RegularExpressions.Regex.InfiniteMatchTimeout, plain.MatchTimeout);
        Assert.True(plain.Options.HasFlag(System.Text.RegularExpressions.RegexOptions.NonBacktracking));

        // Exponential for a backtracking engine on a near miss; here linear, and a real answer rather than a timeout.
        Assert.True(FieldPatterns.IsMatch("^(a+)+$", new string('a', 256)));
        Assert.False(FieldPatterns.IsMatch("^(a+)+$", new string('a', 255) + "b"));
    }
}
