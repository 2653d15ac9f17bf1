using Microsoft.Extensions.DependencyInjection;
using Kangen.Platform.Features.Services;
using Kangen.Protocol;

namespace Kangen.Platform.Tests.Features.Services;

public class DemoOperatorsTests
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.LoadDefault();

    private static ValidatedFields Valid(PaymentService service, IReadOnlyDictionary<string, string> values)
    {
        var (fields, problems) = FieldValidation.Validate(service, values.ToDictionary(v => v.Key, v => (string?)v.Value));
        Assert.True(problems.Count == 0, $"{service.Code}: " + string.Join("; ", problems));
        return fields!;
    }

    [Fact]
    public async Task Demo_accounts_of_every_service_pass_validation_and_are_verified()
    {
        var operators = new DemoOperators();
        foreach (var service in Catalogue.All)
        {
            for (var index = 0; index < 3; index++)
            {
                var fields = Valid(service, DemoAccounts.Create(service, index));
                var answer = await operators.VerifyAsync(fields, CancellationToken.None);
                var verified = Assert.IsType<AccountVerification.Verified>(answer);
                Assert.StartsWith(service.Operator + "-", verified.AccountReference);
                Assert.InRange(verified.AccountReference.Length, service.Operator.Length + 20, 40);
                Assert.Matches("^[ァ-ヶー]+ [ァ-ヶ]＊+$", verified.MaskedHolderName);
            }
        }
    }

    [Fact]
    public async Task Different_indexes_give_different_accounts_and_the_same_index_the_same_one()
    {
        var operators = new DemoOperators();
        foreach (var service in Catalogue.All)
        {
            var ids = Enumerable.Range(0, 50).Select(i => Valid(service, DemoAccounts.Create(service, i)).AccountId).ToArray();
            Assert.Equal(ids.Length, ids.Distinct().Count());
            Assert.Equal(DemoAccounts.Create(service, 7), DemoAccounts.Create(service, 7));
        }
        var pay = Catalogue.Find("demo-pay")!;
        var references = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            var verified = (AccountVerification.Verified)await operators.VerifyAsync(Valid(pay, DemoAccounts.Create(pay, i)), CancellationToken.None);
            Assert.True(references.Add(verified.AccountReference));
        }
    }

    [Fact]
    public async Task Wrong_codes_are_rejected_as_a_mismatch()
    {
        var operators = new DemoOperators();
        foreach (var service in Catalogue.All)
        {
            var values = new Dictionary<string, string>(DemoAccounts.Create(service, 1));
            var secret = service.Fields.First(f => f.Secret);
            var right = FieldNormalisation.Apply(secret.Normalisation, values[secret.Name]);
            // Change one character within the field's own alphabet, so validation still passes.
            var changed = right[..^1] + (char.IsAsciiDigit(right[^1]) ? (char)('0' + (right[^1] - '0' + 1) % 10) : right[^1] == 'a' ? 'b' : 'a');
            values[secret.Name] = changed;

            var answer = await operators.VerifyAsync(Valid(service, values), CancellationToken.None);

            Assert.Equal(new AccountVerification.Rejected("codes-mismatch"), answer);
        }
    }

    [Fact]
    public async Task Codes_of_another_account_do_not_open_this_one()
    {
        var operators = new DemoOperators();
        var service = Catalogue.Find("demo-ecash")!;
        var mine = DemoAccounts.Create(service, 0);
        var other = DemoAccounts.Create(service, 1);
        var mixed = new Dictionary<string, string>(mine) { ["securityCode"] = other["securityCode"] };
        Assert.NotEqual(mine["securityCode"], other["securityCode"]);
        Assert.Equal(new AccountVerification.Rejected("codes-mismatch"), await operators.VerifyAsync(Valid(service, mixed), CancellationToken.None));
    }

    [Fact]
    public async Task Closed_accounts_are_rejected_as_closed()
    {
        var operators = new DemoOperators();
        foreach (var service in Catalogue.All)
        {
            var closed = Valid(service, DemoAccounts.CreateClosed(service, 0));
            Assert.Equal(new AccountVerification.Rejected("closed"), await operators.VerifyAsync(closed, CancellationToken.None));
            Assert.NotEqual(closed.AccountId, Valid(service, DemoAccounts.CreateClosed(service, 1)).AccountId);
        }
    }

    [Fact]
    public void About_two_percent_of_ids_are_closed()
    {
        var service = Catalogue.Find("demo-pay")!;
        var closed = Enumerable.Range(0, 5000).Count(i => DemoDerivation.IsClosed(service, DemoAccounts.AccountId(service, (ulong)i)));
        Assert.InRange(closed, 50, 160);
    }

    [Fact]
    public async Task The_same_account_typed_differently_gives_the_same_reference()
    {
        var operators = new DemoOperators();
        foreach (var code in new[] { "demo-ecash", "demo-transit", "demo-card", "demo-pay" })
        {
            var service = Catalogue.Find(code)!;
            var typed = DemoAccounts.Create(service, 3);
            var id = service.AccountIdField.Name;
            var plain = new Dictionary<string, string>(typed) { [id] = typed[id].Replace("-", "") };
            var wide = new Dictionary<string, string>(typed)
            {
                [id] = string.Concat(typed[id].Replace("-", " ").Select(c => c is >= '!' and <= '~' ? (char)(c + 0xFEE0) : c == ' ' ? '\u3000' : c)).ToLowerInvariant(),
            };

            var answers = new List<AccountVerification>();
            foreach (var form in new[] { typed, plain, wide })
                answers.Add(await operators.VerifyAsync(Valid(service, form), CancellationToken.None));

            var first = Assert.IsType<AccountVerification.Verified>(answers[0]);
            Assert.All(answers, a => Assert.Equal(first, a));
        }
    }

    [Fact]
    public async Task An_operator_switched_off_is_unavailable_for_its_services_only_until_switched_on()
    {
        var operators = new DemoOperators();
        var transit = Catalogue.Find("demo-transit")!;
        var pay = Catalogue.Find("demo-pay")!;
        var transitFields = Valid(transit, DemoAccounts.Create(transit, 0));

        operators.SetAvailable(transit.Operator, false);

        Assert.IsType<AccountVerification.Unavailable>(await operators.VerifyAsync(transitFields, CancellationToken.None));
        Assert.False(operators.IsAvailable(transit.Operator));
        Assert.IsType<AccountVerification.Verified>(await operators.VerifyAsync(Valid(pay, DemoAccounts.Create(pay, 0)), CancellationToken.None));

        operators.SetAvailable(transit.Operator, true);
        Assert.IsType<AccountVerification.Verified>(await operators.VerifyAsync(transitFields, CancellationToken.None));
    }

    [Fact]
    public void Demo_account_ids_are_typed_in_groups_of_four_and_secrets_follow_the_published_rule()
    {
        var ecash = Catalogue.Find("demo-ecash")!;
        var account = DemoAccounts.Create(ecash, 0);
        Assert.Matches("^[0-9]{4}(-[0-9]{4}){3}$", account["cardNumber"]);
        var id = account["cardNumber"].Replace("-", "");
        // Anyone can recompute the code from the published constant: HMAC-SHA256 chain described in docs/services.md.
        var key = System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes("kangen-demo-operators-v1"), System.Text.Encoding.UTF8.GetBytes("operator|" + ecash.Operator));
        Assert.Equal(key, DemoDerivation.OperatorKey(ecash.Operator));
        Assert.Equal(DemoDerivation.Secret(ecash, ecash.Fields.Single(f => f.Secret), id), account["securityCode"]);
    }

    [Fact]
    public void A_negative_index_is_a_programming_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DemoAccounts.Create(Catalogue.All[0], -1));
    }

    [Fact]
    public void The_platform_registers_the_catalogue_and_the_demo_operators_as_the_verifier()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        builder.Configuration[ServicesRegistration.DemoOperatorsKey] = "true";
        builder.AddServices();
        using var services = builder.Services.BuildServiceProvider();
        // Its own instance (an administrator's saved catalogue replaces its contents), with the embedded services.
        Assert.Equal(ServiceCatalogue.LoadDefault().All, services.GetRequiredService<ServiceCatalogue>().All);
        Assert.Same(services.GetRequiredService<DemoOperators>(), services.GetRequiredService<IAccountVerifier>());

        // Without the setting (kangen serve's default) no account verifies: the demo codes are public.
        var plain = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        plain.AddServices();
        using var plainServices = plain.Services.BuildServiceProvider();
        Assert.IsType<NoOperatorConnection>(plainServices.GetRequiredService<IAccountVerifier>());
    }

    [Fact]
    public void A_configured_catalogue_file_is_used_instead_of_the_embedded_one()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        builder.Configuration[ServicesRegistration.FileKey] = ServiceCatalogueTests.RepoFile("data/services/catalogue.json");
        builder.AddServices();
        using var services = builder.Services.BuildServiceProvider();
        var catalogue = services.GetRequiredService<ServiceCatalogue>();
        Assert.NotSame(ServiceCatalogue.LoadDefault(), catalogue);
        Assert.Equal(ServiceCatalogue.LoadDefault().All.Count, catalogue.All.Count);
    }
}
